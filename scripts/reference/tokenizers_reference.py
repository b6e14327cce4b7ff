"""Reference token ids for the Tokenizers tests, from Hugging Face `tokenizers` (via transformers).

Run:   /work/pyref/bin/python scripts/reference/tokenizers_reference.py
Needs the model cache (scripts/fetch-models.sh).
Writes Tests/ModelsTests/Fixtures/smollm2_ids.json: for each test string, the ids of SmolLM2's
tokenizer (transformers converts the GGUF vocabulary to a fast tokenizer), with and without
special-token parsing, and the decoded text.
"""
import json
import os

from transformers import AutoTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CACHE = os.environ.get("DIVTUNE_CACHE", os.path.join(ROOT, ".cache", "models"))
OUT = os.path.join(ROOT, "Tests", "ModelsTests", "Fixtures", "smollm2_ids.json")

STRINGS = [
    "", "Hello world", "Hello  world", " leading space", "trailing space ", "   ", "\t\ttabs\tand\nnewlines\n\n\n",
    "Once upon a time, there was a lighthouse keeper.", "It's a dog's life; they're here, we've seen, I'm sure, you'll go, he'd stay.",
    "IT'S LOUD", "Numbers: 1234567890 and 3.14159 and 1,000,000", "2024-11-22T10:00:00Z",
    "café naïve résumé façade", "Ünïcödé ÀÉÎÕÜ", "日本語のテキスト", "中文文本测试", "한국어 텍스트", "Ελληνικά κείμενο", "Русский текст",
    "emoji 🙂🙃 and 👨‍👩‍👧‍👦 family", "flags 🇫🇷🇯🇵", "combining e\u0301 and a\u0308", "math ∑∫√∞ ≤ ≥", "arrows → ← ↔",
    "def fibonacci(n):\n    return n if n < 2 else fibonacci(n - 1) + fibonacci(n - 2)\n",
    "<html><body class=\"x\">text</body></html>", "snake_case camelCase kebab-case SCREAMING_CASE",
    "URL: https://example.com/path?q=1&r=2#frag", "email@example.com", "!!!???...---***", "a\u00a0b nbsp", "zero\u200bwidth",
    "<|im_start|>user\nhi<|im_end|>", "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>assistant\n",
    "text with <|endoftext|> inside", "not special: <|im_start", "Mixed 123abc456 tokens",
    "   multiple   spaces   between   words   ", "line1\r\nline2\rline3", "ALL CAPS SENTENCE HERE",
    "The quick brown fox jumps over the lazy dog. " * 3,
]

tok = AutoTokenizer.from_pretrained(os.path.join(CACHE, "SmolLM2-135M-Instruct-Q4_1"), gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf")
cases = []
for s in STRINGS:
    ids = tok.encode(s, add_special_tokens=False)
    cases.append({"text": s, "ids": ids, "decoded": tok.decode(ids), "decoded_skip": tok.decode(ids, skip_special_tokens=True)})
with open(OUT, "w") as f:
    json.dump({"pre_tokenizer": json.loads(tok.backend_tokenizer.to_str())["pre_tokenizer"], "cases": cases}, f, ensure_ascii=False, indent=1)
print("wrote", OUT)
