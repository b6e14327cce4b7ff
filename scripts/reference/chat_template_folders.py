"""Model folders whose chat templates load the way transformers 5 loads them, and the token ids
transformers' own `apply_chat_template` gives for each (Tests/ModelsTests, Tests/DivTuneCLITests).

Run:    /tmp/pyref/bin/python scripts/reference/chat_template_folders.py
Needs:  transformers 5.x, tokenizers, torch (scripts/reference/requirements.txt); no model cache.
Writes: Tests/ModelsTests/Fixtures/chat-templates/<folder>/   one small model folder per case:
          tokenizer.json (a byte-level BPE of 300 tokens trained here), tokenizer_config.json,
          the chat template file(s), and a tiny random Llama (config.json, model.safetensors) so
          that `divtune` loads the folder as it loads any model.
        Tests/ModelsTests/Fixtures/chat_template_folders.json   per folder: the special tokens
          transformers reads, and per template name and conversation the rendered text and ids
          (add_generation_prompt=True, as DivTune renders prompts).

Folders:
  smollm2-jinja  SmolLM2's real template saved the transformers-5 way (chat_template.jinja), with a
                 stale ChatML template left in tokenizer_config.json: the file wins, and the
                 default system prompt ("You are a helpful AI assistant named SmolLM…") is kept.
  named-list     a list-form `chat_template` in tokenizer_config.json, as Command-R ships it
                 ([{"name": "default", …}, {"name": "tool_use", …}]); `default` unless named.
  named-files    the same two templates saved the transformers-5 way: chat_template.jinja and
                 additional_chat_templates/tool_use.jinja.
  token-strings  bos_token "<s>" (a string) and eos_token "</s>" (an AddedToken object) that the
                 vocabulary lacks: transformers passes the strings to the template and adds both
                 as new special tokens (ids 300 and 301), beyond the model's 300 embeddings.
  system-only    a template that folds the system message into the first user turn (as Gemma's
                 does): a system-only conversation renders to "" and transformers gives no ids.
"""
import json
import os
import shutil

import torch
from tokenizers import ByteLevelBPETokenizer
from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "Tests", "ModelsTests", "Fixtures")
FOLDERS = os.path.join(FIXTURES, "chat-templates")
SMOLLM2_TEMPLATE = os.path.join(ROOT, "Tests", "ChatTemplatesTests", "Fixtures", "templates", "smollm2.jinja")
VOCAB = 300

CORPUS = [
    "You are a helpful AI assistant named SmolLM, trained by Hugging Face",
    "system user assistant", "Tell me a story about the sea.", "You are a poet.", "Write a haiku.",
    "# Tools\nnone", "Hello world, the quick brown fox jumps over the lazy dog.",
] * 20

CHATML = ("{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
          "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")
NAMED = {
    "default": ("{{ bos_token }}{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
                "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"),
    "tool_use": ("{{ bos_token }}<|im_start|>system\n# Tools\nnone<|im_end|>\n"
                 "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
                 "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"),
}
TOKEN_STRINGS = ("{{ bos_token }}{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}{{ eos_token }}\n{% endfor %}"
                 "{% if add_generation_prompt %}assistant:{% endif %}")
FOLDED_SYSTEM = ("{% if messages[0]['role'] == 'system' %}{% set prefix = messages[0]['content'] + '\n\n' %}"
                 "{% set loop_messages = messages[1:] %}{% else %}{% set prefix = '' %}{% set loop_messages = messages %}{% endif %}"
                 "{% for m in loop_messages %}<|im_start|>{{ m['role'] }}\n{{ (prefix if loop.first else '') + m['content'] }}<|im_end|>\n"
                 "{% endfor %}{% if add_generation_prompt and loop_messages %}<|im_start|>assistant\n{% endif %}")

CONVERSATIONS = {
    "user": [{"role": "user", "content": "Tell me a story about the sea."}],
    "system_user": [{"role": "system", "content": "You are a poet."}, {"role": "user", "content": "Write a haiku."}],
    "system_only": [{"role": "system", "content": "You are a poet."}],
}


def base_tokenizer():
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(CORPUS, vocab_size=VOCAB, min_frequency=1,
                            special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
    assert bpe.get_vocab_size() == VOCAB
    return PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer, bos_token="<|endoftext|>", eos_token="<|im_end|>")


def save_model(folder):
    """A tiny random Llama with the tokenizer's 300 embeddings: enough for `divtune` to load the folder."""
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=VOCAB, hidden_size=8, intermediate_size=16, num_hidden_layers=1, num_attention_heads=2,
                         num_key_value_heads=1, max_position_embeddings=64, bos_token_id=1, eos_token_id=2,
                         tie_word_embeddings=True)
    LlamaForCausalLM(config).eval().save_pretrained(folder, safe_serialization=True)
    for extra in ["generation_config.json"]:
        path = os.path.join(folder, extra)
        if os.path.exists(path):
            os.remove(path)


def edit_config(folder, **changes):
    path = os.path.join(folder, "tokenizer_config.json")
    with open(path, encoding="utf-8") as f:
        config = json.load(f)
    config.update(changes)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(config, f, ensure_ascii=False, indent=2)


def make_folders():
    shutil.rmtree(FOLDERS, ignore_errors=True)
    smollm2 = open(SMOLLM2_TEMPLATE, encoding="utf-8").read()

    def folder(name, template, save_jinja_files=True):
        path = os.path.join(FOLDERS, name)
        tok = base_tokenizer()
        tok.chat_template = template
        tok.save_pretrained(path, save_jinja_files=save_jinja_files)
        save_model(path)
        return path

    path = folder("smollm2-jinja", smollm2)
    edit_config(path, chat_template=CHATML)   # stale: transformers reads chat_template.jinja instead
    folder("named-list", dict(NAMED), save_jinja_files=False)
    folder("named-files", dict(NAMED))
    path = folder("token-strings", TOKEN_STRINGS)
    edit_config(path, bos_token="<s>", eos_token={"__type": "AddedToken", "content": "</s>", "lstrip": False,
                                                   "normalized": False, "rstrip": False, "single_word": False,
                                                   "special": True})
    folder("system-only", FOLDED_SYSTEM)


def expectations():
    out = {}
    for name in sorted(os.listdir(FOLDERS)):
        tok = AutoTokenizer.from_pretrained(os.path.join(FOLDERS, name))
        names = sorted(tok.chat_template) if isinstance(tok.chat_template, dict) else ["default"]
        templates = {}
        for template in names:
            renderings = {}
            for conversation, messages in CONVERSATIONS.items():
                kwargs = {"chat_template": template} if template != "default" else {}
                text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True, **kwargs)
                ids = tok.apply_chat_template(messages, tokenize=True, add_generation_prompt=True, return_dict=False, **kwargs)
                renderings[conversation] = {"text": text, "ids": ids}
            templates[template] = renderings
        out[name] = {"special_tokens": tok.special_tokens_map, "bos_token_id": tok.bos_token_id,
                     "eos_token_id": tok.eos_token_id, "tokenizer_size": len(tok), "templates": templates}
    return {"conversations": CONVERSATIONS, "folders": out}


if __name__ == "__main__":
    make_folders()
    result = expectations()
    assert "named SmolLM" in result["folders"]["smollm2-jinja"]["templates"]["default"]["user"]["text"]
    assert result["folders"]["token-strings"]["eos_token_id"] == VOCAB + 1
    assert result["folders"]["system-only"]["templates"]["default"]["system_only"]["ids"] == []
    with open(os.path.join(FIXTURES, "chat_template_folders.json"), "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, indent=1)
    print({name: sorted(os.listdir(os.path.join(FOLDERS, name))) for name in sorted(os.listdir(FOLDERS))})
