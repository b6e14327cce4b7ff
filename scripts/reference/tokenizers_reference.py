"""Reference token ids for the Tokenizers tests, from Hugging Face `tokenizers` (and transformers' GGUF import).

Run:   /work/pyref/bin/python scripts/reference/tokenizers_reference.py
Needs the model cache (scripts/fetch-models.sh); DIVTUNE_CACHE overrides <repo>/.cache/models.
Writes:
  Tests/TokenizersTests/Fixtures/bpe_cases.json     SmolLM2's vocabulary under three pre-tokenizers
      - "smollm2": the upstream SmolLM2 pre-tokenizer, Sequence[Digits(individual), ByteLevel(use_regex)],
                   which is also what llama.cpp runs for `tokenizer.ggml.pre = "smollm"`
      - "llama3":  Sequence[Split(Llama-3 regex, Isolated), ByteLevel(use_regex=false)] with ignore_merges
      - "gpt2":    ByteLevel(use_regex=true)
      For each: the pre_tokenizer JSON, the ids of every string (added tokens parsed, no post-processing),
      and HF's decode with and without special tokens.
      The Swift test loads the vocabulary/merges from the GGUF itself (1.5 MB: too big for a fixture).
  Tests/TokenizersTests/Fixtures/wordpiece_cases.json  all-MiniLM-L6-v2 (BERT WordPiece from tokenizer.json):
      ids with [CLS]/[SEP], ids without, ids truncated to 16 with special tokens, decode without specials.
  Tests/ModelsTests/Fixtures/smollm2_ids.json  (the Models tests' fixture; unchanged format, kept here
      because it is the same reference): transformers' own GGUF import of SmolLM2.

The vocabulary transformers builds from the GGUF uses a plain ByteLevel pre-tokenizer (it ignores
`tokenizer.ggml.pre = "smollm"`); upstream SmolLM2 (and llama.cpp) isolate every digit first. The two
agree except where a non-ASCII number (e.g. "²") follows a space; the script prints those strings and
stores their indices as "gguf_import_differs".
"""
import copy
import json
import os

from tokenizers import Tokenizer
from transformers import AutoTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CACHE = os.environ.get("DIVTUNE_CACHE", os.path.join(ROOT, ".cache", "models"))
FIXTURES = os.path.join(ROOT, "Tests", "TokenizersTests", "Fixtures")

# Upstream HuggingFaceTB/SmolLM2-135M-Instruct tokenizer.json "pre_tokenizer".
SMOLLM2_PRE = {"type": "Sequence", "pretokenizers": [
    {"type": "Digits", "individual_digits": True},
    {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}]}
LLAMA3_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
                r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
LLAMA3_PRE = {"type": "Sequence", "pretokenizers": [
    {"type": "Split", "pattern": {"Regex": LLAMA3_REGEX}, "behavior": "Isolated", "invert": False},
    {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]}
GPT2_PRE = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}

STRINGS = [
    "", "Hello world", "Hello  world", " leading space", "trailing space ", "   ", " ", "\n", "\t\ttabs\tand\nnewlines\n\n\n",
    "Once upon a time, there was a lighthouse keeper.",
    "It's a dog's life; they're here, we've seen, I'm sure, you'll go, he'd stay.",
    "IT'S LOUD, WE'RE HERE, I'D GO, YOU'LL SEE", "don't can't won't shouldn't", "'s 'S 'ſ", "''quoted'' 'single'",
    "Numbers: 1234567890 and 3.14159 and 1,000,000", "2024-11-22T10:00:00Z", "x²+y³ = z¹⁰ ½ ¾ Ⅻ", " ² ³",
    "1234567 12 123 1234", "٣٤٥ ١٢ ۱۲۳", "café naïve résumé façade", "Ünïcödé ÀÉÎÕÜ", "日本語のテキスト", "中文文本测试",
    "한국어 텍스트", "Ελληνικά κείμενο", "Русский текст", "עברית ערבית العربية", "हिन्दी भाषा",
    "emoji 🙂🙃 and 👨‍👩‍👧‍👦 family", "flags 🇫🇷🇯🇵 skin 👍🏽", "combining e\u0301 and a\u0308 and q\u0323\u0307",
    "math ∑∫√∞ ≤ ≥", "arrows → ← ↔",
    "def fibonacci(n):\n    return n if n < 2 else fibonacci(n - 1) + fibonacci(n - 2)\n",
    "<html><body class=\"x\">text</body></html>", "snake_case camelCase kebab-case SCREAMING_CASE",
    "URL: https://example.com/path?q=1&r=2#frag", "email@example.com", "!!!???...---***", "a\u00a0b nbsp",
    "zero\u200bwidth", "ws\u000bvt\u000cff\u0085nel\u2028ls\u3000ideo", "line1\r\nline2\rline3", "ALL CAPS SENTENCE HERE",
    "   multiple   spaces   between   words   ", "a \n b \n\n c", "end with newline\n", "   \n\n   ",
    "<|im_start|>user\nhi<|im_end|>", "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>assistant\n",
    "text with <|endoftext|> inside", "not special: <|im_start", "<|im_start|><|im_end|>", " <|im_end|> ",
    "Mixed 123abc456 tokens", "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "The quick brown fox jumps over the lazy dog. " * 3, "\u00e9\u0301\u0302\u0303", "\U0001F9D1\u200D\U0001F4BB dev",
]
BERT_STRINGS = STRINGS + [
    "[CLS] already [SEP] inside [MASK] and [UNK]", "Hello, World! How are you?", "ＦＵＬＬＷＩＤＴＨ ｌｅｔｔｅｒｓ",
    "control\u0001chars\u0007here\ufffdx\u0000y", "İstanbul ǅ Straße ΣΑΣ", "a" * 120 + " short", "co-operate re-enter $100.00 #1",
]


def tokenizer_with(base_json, pre_tokenizer, ignore_merges=False, merges_as_strings=False):
    j = copy.deepcopy(base_json)
    j["pre_tokenizer"] = pre_tokenizer
    j["model"]["ignore_merges"] = ignore_merges
    if merges_as_strings:
        j["model"]["merges"] = [" ".join(m) for m in j["model"]["merges"]]
    return Tokenizer.from_str(json.dumps(j))


def cases(tok, strings):
    out = []
    for s in strings:
        ids = tok.encode(s, add_special_tokens=False).ids
        out.append({"ids": ids, "decoded": tok.decode(ids, skip_special_tokens=False),
                    "decoded_skip": tok.decode(ids, skip_special_tokens=True)})
    return out


def main():
    smol_dir = os.path.join(CACHE, "SmolLM2-135M-Instruct-Q4_1")
    imported = AutoTokenizer.from_pretrained(smol_dir, gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf")
    base = json.loads(imported.backend_tokenizer.to_str())
    assert base["pre_tokenizer"] == GPT2_PRE, base["pre_tokenizer"]
    assert base["normalizer"] is None and base["decoder"]["type"] == "ByteLevel"

    variants = {
        "smollm2": (SMOLLM2_PRE, False),
        "llama3": (LLAMA3_PRE, True),
        "gpt2": (GPT2_PRE, False),
    }
    bpe = {"strings": STRINGS, "added_tokens": [t["content"] for t in base["added_tokens"]], "variants": {}}
    for name, (pre, ignore) in variants.items():
        tok = tokenizer_with(base, pre, ignore_merges=ignore)
        bpe["variants"][name] = {"pre_tokenizer": pre, "ignore_merges": ignore, "cases": cases(tok, STRINGS)}
    # The merges may be written as "a b" strings (older files) or [a, b] pairs: both must give the same ids.
    legacy = tokenizer_with(base, SMOLLM2_PRE, merges_as_strings=True)
    assert [legacy.encode(s, add_special_tokens=False).ids for s in STRINGS] == \
        [c["ids"] for c in bpe["variants"]["smollm2"]["cases"]]
    # Where transformers' GGUF import (plain ByteLevel) disagrees with upstream SmolLM2 / llama.cpp.
    differs = [i for i, s in enumerate(STRINGS)
               if imported.encode(s, add_special_tokens=False) != bpe["variants"]["smollm2"]["cases"][i]["ids"]]
    for i in differs:
        print("GGUF import differs from upstream SmolLM2 on", repr(STRINGS[i]))
    bpe["gguf_import_differs"] = differs
    write(os.path.join(FIXTURES, "bpe_cases.json"), bpe)

    bert = Tokenizer.from_file(os.path.join(CACHE, "all-MiniLM-L6-v2", "tokenizer.json"))
    bert.no_padding()
    bert.no_truncation()
    truncated = Tokenizer.from_str(bert.to_str())
    truncated.enable_truncation(max_length=16)
    wp = {"strings": BERT_STRINGS, "max_length": 16, "cases": []}
    for s in BERT_STRINGS:
        with_special = bert.encode(s).ids
        wp["cases"].append({
            "ids": with_special,
            "ids_no_special": bert.encode(s, add_special_tokens=False).ids,
            "ids_truncated": truncated.encode(s).ids,
            "decoded_skip": bert.decode(with_special, skip_special_tokens=True),
            "decoded": bert.decode(with_special, skip_special_tokens=False),
        })
    write(os.path.join(FIXTURES, "wordpiece_cases.json"), wp)

    # The Models tests' fixture (transformers' GGUF import, as the Models target loads the same file).
    models_strings = [
        "", "Hello world", "Hello  world", " leading space", "trailing space ", "   ", "\t\ttabs\tand\nnewlines\n\n\n",
        "Once upon a time, there was a lighthouse keeper.",
        "It's a dog's life; they're here, we've seen, I'm sure, you'll go, he'd stay.",
        "IT'S LOUD", "Numbers: 1234567890 and 3.14159 and 1,000,000", "2024-11-22T10:00:00Z",
        "café naïve résumé façade", "Ünïcödé ÀÉÎÕÜ", "日本語のテキスト", "中文文本测试", "한국어 텍스트", "Ελληνικά κείμενο",
        "Русский текст", "emoji 🙂🙃 and 👨‍👩‍👧‍👦 family", "flags 🇫🇷🇯🇵", "combining e\u0301 and a\u0308",
        "math ∑∫√∞ ≤ ≥", "arrows → ← ↔",
        "def fibonacci(n):\n    return n if n < 2 else fibonacci(n - 1) + fibonacci(n - 2)\n",
        "<html><body class=\"x\">text</body></html>", "snake_case camelCase kebab-case SCREAMING_CASE",
        "URL: https://example.com/path?q=1&r=2#frag", "email@example.com", "!!!???...---***", "a\u00a0b nbsp",
        "zero\u200bwidth", "<|im_start|>user\nhi<|im_end|>",
        "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>assistant\n",
        "text with <|endoftext|> inside", "not special: <|im_start", "Mixed 123abc456 tokens",
        "   multiple   spaces   between   words   ", "line1\r\nline2\rline3", "ALL CAPS SENTENCE HERE",
        "The quick brown fox jumps over the lazy dog. " * 3,
    ]
    models = []
    for s in models_strings:
        ids = imported.encode(s, add_special_tokens=False)
        models.append({"text": s, "ids": ids, "decoded": imported.decode(ids),
                       "decoded_skip": imported.decode(ids, skip_special_tokens=True)})
    with open(os.path.join(ROOT, "Tests", "ModelsTests", "Fixtures", "smollm2_ids.json"), "w") as f:
        json.dump({"pre_tokenizer": base["pre_tokenizer"], "cases": models}, f, ensure_ascii=False, indent=1)


def write(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
