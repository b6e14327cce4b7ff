"""Training rows (docs/formats.md §3.3, §3.4) read as the Swift trainer reads them, into the layouts
TRL's trainers take. A bad row is an error naming the file and line."""
import json

from datasets import Dataset

from .objectives import pair_weight


class DataError(ValueError):
    """A training file or row that cannot be used; the message names the file and line."""


def read_rows(path, what="training data"):
    """The JSON object of each non-blank line as (its "file:line", the object); a file without one is an error."""
    rows = []
    try:
        f = open(path, encoding="utf-8")
    except OSError as error:
        raise DataError(f"{path}: cannot read the {what} ({error.strerror})") from None
    with f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise DataError(f"{path}:{number}: not a JSON object ({error.msg})") from None
            if not isinstance(row, dict):
                raise DataError(f"{path}:{number}: not a JSON object")
            rows.append((f"{path}:{number}", row))
    if not rows:
        raise DataError(f"{path}: no {what}")
    return rows


def is_messages(value):
    return isinstance(value, list) and all(isinstance(m, dict) and isinstance(m.get("content"), str)
                                           and isinstance(m.get("role"), str) for m in value)


def text_or_messages(row, key, where):
    value = row.get(key)
    if isinstance(value, str) or (is_messages(value) and value):
        return value
    raise DataError(f"{where}: '{key}' must be a string or a list of {{role, content}} messages")


def chat_prompt(tokenizer, prompt):
    """`--prompt-style chat`: a string prompt shown as one user message through the chat template,
    rendered to text (the completion stays raw text + EOS, formats.md §3.7)."""
    return tokenizer.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False,
                                         add_generation_prompt=True)


def preference_dataset(path, tokenizer, prompt_style="completion"):
    """prompt/chosen/rejected rows with each pair's `weight` (methods.md §4.4)."""
    out = []
    for where, row in read_rows(path):
        prompt = text_or_messages(row, "prompt", where)
        chosen, rejected = text_or_messages(row, "chosen", where), text_or_messages(row, "rejected", where)
        if isinstance(prompt, str) != isinstance(chosen, str) or isinstance(chosen, str) != isinstance(rejected, str):
            raise DataError(f"{where}: 'prompt', 'chosen' and 'rejected' must all be strings or all message lists")
        if isinstance(prompt, str) and prompt_style == "chat":
            prompt = chat_prompt(tokenizer, prompt)
        try:
            weight = pair_weight(row, where)
        except ValueError as error:
            raise DataError(str(error)) from None
        out.append({"prompt": prompt, "chosen": chosen, "rejected": rejected, "weight": weight})
    return Dataset.from_list(out)


def sft_dataset(path, tokenizer, prompt_style="completion"):
    """prompt/completion rows (a `messages` row's last turn is the completion; `text` has no prompt)."""
    out = []
    for where, row in read_rows(path):
        if "messages" in row:
            messages = text_or_messages(row, "messages", where)
            if not isinstance(messages, list) or messages[-1]["role"] != "assistant" or len(messages) < 2:
                raise DataError(f"{where}: 'messages' must end with the assistant's message after at least one other")
            out.append({"prompt": messages[:-1], "completion": messages[-1:]})
        elif "text" in row:
            if not isinstance(row["text"], str):
                raise DataError(f"{where}: 'text' must be a string")
            out.append({"prompt": "", "completion": row["text"]})
        else:
            prompt, completion = text_or_messages(row, "prompt", where), text_or_messages(row, "completion", where)
            if isinstance(prompt, str) and prompt_style == "chat":
                prompt = chat_prompt(tokenizer, prompt)
            out.append({"prompt": prompt, "completion": completion})
    return Dataset.from_list(out)
