#!/usr/bin/env python3
"""Writes the generated part of the fuzz seed corpus (Fuzz/corpus/, docs/fuzzing.md) from the
default models (`make models`) and the test fixtures; the rest of the corpus is copied fixtures.
Each seed is small (the corpus stays under 100 KB per target) but has the structure of the real
file, so the fuzzer starts from inputs that reach deep into each parser.

Needs the `gguf` and `sentencepiece` packages (pip install gguf numpy sentencepiece protobuf):
    python3 scripts/fuzz/make-seeds.py
"""
import base64
import json
import pathlib
import shutil
import tempfile

import gguf
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT / "Fuzz" / "corpus"
MODELS = ROOT / ".cache" / "models"
FIXTURES = ROOT / "Tests"
VOCAB = 400          # tokens kept from SmolLM2's 49,152 (the 17 control tokens, bytes, common pieces)


def folder(name):
    path = CORPUS / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def field(reader, key):
    f = reader.fields[key]
    if f.types[0] == gguf.GGUFValueType.ARRAY:
        if f.types[-1] == gguf.GGUFValueType.STRING:
            return [bytes(f.parts[i]).decode("utf-8") for i in f.data]
        return [f.parts[i].tolist()[0] for i in f.data]
    if f.types[0] == gguf.GGUFValueType.STRING:
        return bytes(f.parts[f.data[0]]).decode("utf-8")
    return f.parts[f.data[0]].tolist()[0]


def smollm2_vocabulary(reader):
    tokens = field(reader, "tokenizer.ggml.tokens")[:VOCAB]
    kept = set(tokens)
    merges = [m for m in field(reader, "tokenizer.ggml.merges")
              if "".join(m.split(" ")) in kept and all(p in kept for p in m.split(" "))]
    return tokens, field(reader, "tokenizer.ggml.token_type")[:VOCAB], merges


def gguf_seed(reader, tokens, types, merges):
    """SmolLM2's metadata and tokenizer (vocabulary cut to VOCAB) over a one-block model of width 32
    whose tensors use five storage types, as a real file lays them out."""
    path = folder("FuzzGGUF") / "smollm2-tiny.gguf"
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_name("SmolLM2 tiny (fuzz seed)")
    w.add_block_count(1); w.add_context_length(64); w.add_embedding_length(32); w.add_feed_forward_length(64)
    w.add_head_count(4); w.add_head_count_kv(2); w.add_rope_freq_base(10000.0); w.add_layer_norm_rms_eps(1e-5)
    w.add_vocab_size(len(tokens)); w.add_rope_dimension_count(8)
    w.add_tokenizer_model("gpt2"); w.add_tokenizer_pre(field(reader, "tokenizer.ggml.pre"))
    w.add_token_list(tokens); w.add_token_types(types); w.add_token_merges(merges)
    w.add_bos_token_id(1); w.add_eos_token_id(2); w.add_add_bos_token(False)
    w.add_chat_template(field(reader, "tokenizer.chat_template"))
    rng = np.random.default_rng(0)
    shapes = {"token_embd.weight": (len(tokens), 32), "blk.0.attn_norm.weight": (32,), "blk.0.attn_q.weight": (32, 32),
              "blk.0.attn_k.weight": (16, 32), "blk.0.attn_v.weight": (16, 32), "blk.0.attn_output.weight": (32, 32),
              "blk.0.ffn_norm.weight": (32,), "blk.0.ffn_gate.weight": (64, 32), "blk.0.ffn_up.weight": (64, 32),
              "blk.0.ffn_down.weight": (32, 64), "output_norm.weight": (32,)}
    kinds = [gguf.GGMLQuantizationType.Q4_1, gguf.GGMLQuantizationType.Q8_0, gguf.GGMLQuantizationType.F16,
             gguf.GGMLQuantizationType.Q4_0, gguf.GGMLQuantizationType.Q5_0]
    for i, (name, shape) in enumerate(shapes.items()):
        data = rng.standard_normal(shape).astype(np.float32)
        kind = gguf.GGMLQuantizationType.F32 if len(shape) == 1 else kinds[i % len(kinds)]
        w.add_tensor(name, gguf.quants.quantize(data, kind), raw_dtype=kind)
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()


QUANT_KINDS = [gguf.GGMLQuantizationType.Q4_0, gguf.GGMLQuantizationType.Q8_0, gguf.GGMLQuantizationType.Q4_1,
               gguf.GGMLQuantizationType.F16, gguf.GGMLQuantizationType.Q5_0]


def architecture_gguf_seed(fixture, name):
    """A test fixture's GGUF of another architecture (Gemma 2, OLMo 2: their own metadata keys and
    extra norm tensors) cut to its first block, matrices stored in small quantized types."""
    reader = gguf.GGUFReader(str(fixture))
    arch = field(reader, "general.architecture")
    w = gguf.GGUFWriter(str(folder("FuzzGGUF") / name), arch)
    for key, f in reader.fields.items():
        if key.startswith("GGUF.") or key == "general.architecture":
            continue
        value = 1 if key == f"{arch}.block_count" else field(reader, key)
        if f.types[0] == gguf.GGUFValueType.ARRAY:
            w.add_key_value(key, value, f.types[0], sub_type=f.types[-1])
        else:
            w.add_key_value(key, value, f.types[0])
    rng = np.random.default_rng(0)
    kept = [t for t in reader.tensors if not t.name.startswith("blk.") or t.name.startswith("blk.0.")]
    for i, t in enumerate(kept):
        shape = tuple(reversed(t.shape.tolist()))   # GGUF lists dimensions innermost first
        data = rng.standard_normal(shape).astype(np.float32)
        # The large matrices (embeddings, FFN) in 4-bit keep the seed under FuzzGGUF's 64 KB inputs.
        kind = (gguf.GGMLQuantizationType.F32 if len(shape) == 1 else gguf.GGMLQuantizationType.Q4_0 if data.size >= 8192
                else QUANT_KINDS[i % len(QUANT_KINDS)])
        w.add_tensor(t.name, gguf.quants.quantize(data, kind), raw_dtype=kind)
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()


def small_precompiled_charsmap():
    """A SentencePiece precompiled normalizer (the double-array trie and its replacement strings)
    built from five rules, so the Unigram seed carries a real charsmap at ~1 KB instead of NFKC's
    240 KB."""
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as model_pb2
    with tempfile.TemporaryDirectory() as scratch:
        scratch = pathlib.Path(scratch)
        (scratch / "rules.tsv").write_text("FF21\t41\nFF42\t62\n2460\t31\nFB01\t66 69\n3000\t20\n")
        words = "the quick brown fox café naïve 日本 語 🎉 story creative diverse".split()
        rng = np.random.default_rng(0)
        (scratch / "text.txt").write_text("\n".join(" ".join(rng.choice(words, 10)) for _ in range(300)))
        spm.SentencePieceTrainer.train(input=str(scratch / "text.txt"), model_prefix=str(scratch / "m"), vocab_size=40,
                                       model_type="unigram", normalization_rule_tsv=str(scratch / "rules.tsv"),
                                       character_coverage=1.0, minloglevel=2)
        proto = model_pb2.ModelProto()
        proto.ParseFromString((scratch / "m.model").read_bytes())
        return proto.normalizer_spec.precompiled_charsmap


def unigram_tokenizer_json():
    """The jina-embeddings-v3 test fixture's tokenizer.json (Unigram, Metaspace, XLM-R post-processor)
    with the small precompiled charsmap in place of the full one."""
    data = json.loads((FIXTURES / "EmbeddingsTests" / "Fixtures" / "jina-v3-tiny" / "tokenizer.json").read_text())
    data["normalizer"]["precompiled_charsmap"] = base64.b64encode(small_precompiled_charsmap()).decode()
    return data


def bpe_tokenizer_json(tokens, types, merges):
    """SmolLM2's tokenizer.json layout (byte-level BPE, digits split) with the cut vocabulary."""
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True} for i, (t, k) in enumerate(zip(tokens, types)) if k == 3],
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Digits", "individual_digits": True}, byte_level]},
        "post_processor": byte_level, "decoder": byte_level,
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": {t: i for i, t in enumerate(tokens)}, "merges": merges},
    }


def wordpiece_tokenizer_json():
    """all-MiniLM-L6-v2's tokenizer.json (BERT normalizer, WordPiece) with the first 2,600 ids."""
    data = json.loads((MODELS / "all-MiniLM-L6-v2" / "tokenizer.json").read_text())
    data["model"]["vocab"] = {t: i for t, i in data["model"]["vocab"].items() if i < 2600}
    return data


def write_json(path, value):
    path.write_text(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def main():
    reader = gguf.GGUFReader(str(MODELS / "SmolLM2-135M-Instruct-Q4_1" / "SmolLM2-135M-Instruct.Q4_1.gguf"))
    tokens, types, merges = smollm2_vocabulary(reader)
    gguf_seed(reader, tokens, types, merges)
    for name in ["aligned_v2.gguf", "quants.gguf"]:
        shutil.copy(FIXTURES / "WeightFormatsTests" / "Fixtures" / name, folder("FuzzGGUF") / name)
    for arch in ["gemma2", "olmo2"]:
        architecture_gguf_seed(FIXTURES / "ModelsTests" / "Fixtures" / f"tiny_{arch}.gguf", f"{arch}-tiny.gguf")

    for path in [FIXTURES / "WeightFormatsTests" / "Fixtures" / "tiny.safetensors",
                 *sorted((FIXTURES / "WeightFormatsTests" / "Fixtures" / "sharded").glob("*.safetensors"))]:
        shutil.copy(path, folder("FuzzSafetensors") / path.name)
    header = {"__metadata__": {"format": "pt"},
              "a": {"dtype": "F16", "shape": [2, 3], "data_offsets": [0, 12]},
              "b": {"dtype": "BF16", "shape": [4], "data_offsets": [12, 20]},
              "c": {"dtype": "I64", "shape": [], "data_offsets": [20, 28]},
              "d": {"dtype": "F32", "shape": [0, 5], "data_offsets": [28, 28]}}
    text = json.dumps(header).encode()
    (folder("FuzzSafetensors") / "dtypes.safetensors").write_bytes(len(text).to_bytes(8, "little") + text + bytes(range(28)))

    write_json(folder("FuzzTokenizerJSON") / "smollm2-bpe.json", bpe_tokenizer_json(tokens, types, merges))
    write_json(folder("FuzzTokenizerJSON") / "minilm-wordpiece.json", wordpiece_tokenizer_json())
    write_json(folder("FuzzTokenizerJSON") / "jina-unigram.json", unigram_tokenizer_json())
    for name, fixture in [("roberta-bpe.json", "EmbeddingsTests/Fixtures/tiny-roberta"), ("gemma2-bpe.json", "ModelsTests/Fixtures/tiny_gemma2")]:
        shutil.copy(FIXTURES / fixture / "tokenizer.json", folder("FuzzTokenizerJSON") / name)

    for name, fixture in [("gemma2.json", "ModelsTests/Fixtures/tiny_gemma2"), ("olmo2.json", "ModelsTests/Fixtures/tiny_olmo2"),
                          ("jina-v3.json", "EmbeddingsTests/Fixtures/jina-v3-tiny"), ("roberta.json", "EmbeddingsTests/Fixtures/tiny-roberta"),
                          ("style-embedding.json", "EmbeddingsTests/Fixtures/style-embedding-tiny")]:
        shutil.copy(FIXTURES / fixture / "config.json", folder("FuzzModelConfig") / name)
    shutil.copy(MODELS / "all-MiniLM-L6-v2" / "config.json", folder("FuzzModelConfig") / "minilm.json")

    cases = json.loads((FIXTURES / "TokenizersTests" / "Fixtures" / "bpe_cases.json").read_text())["strings"]
    for i, text in enumerate(s for s in cases if s.strip()):
        (folder("FuzzTokenize") / f"case{i:03}.txt").write_text(text)

    for path in sorted((FIXTURES / "ChatTemplatesTests" / "Fixtures" / "templates").glob("*.jinja")):
        shutil.copy(path, folder("FuzzChatTemplate") / path.name)

    for path in sorted((FIXTURES / "PreferenceTests" / "Fixtures" / "importers").iterdir()):
        shutil.copy(path, folder("FuzzImport") / path.name)

    rows = [json.loads(line) for line in (ROOT / "data" / "train.jsonl").read_text().splitlines()[:2]]
    grouped = [{"prompt": r["prompt"][:80], "responses": [{"text": x["text"][:120], "score": x["score"]} for x in r["responses"][:5]]}
               for r in rows]
    (folder("FuzzPrepare") / "grouped.jsonl").write_text("".join(json.dumps(g) + "\n" for g in grouped))
    flat = [{"prompt": g["prompt"], "response": x["text"], "score": x["score"]} for g in grouped for x in g["responses"]]
    (folder("FuzzPrepare") / "flat.jsonl").write_text("".join(json.dumps(f) + "\n" for f in flat))
    (folder("FuzzPrepare") / "mixed.jsonl").write_text(json.dumps(grouped[0]) + "\r\n\n" + json.dumps(flat[-1]) + "\n"
                                                       + json.dumps(flat[-2]) + "\n{\"prompt\": 1}\n")

    bodies = {
        "chat.json": {"model": "smollm2", "messages": [{"role": "system", "content": "Be brief."},
                                                       {"role": "user", "content": "Write a haiku."}],
                      "temperature": 0.8, "top_p": 0.95, "max_tokens": 64, "n": 2, "seed": 7, "stop": ["\n\n"]},
        "chat-stream.json": {"messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}], "stream": True,
                             "stream_options": {"include_usage": True}, "logprobs": True, "top_logprobs": 3,
                             "min_p": 0.05, "top_k": 40, "repetition_penalty": 1.1},
        "conformative.json": {"messages": [{"role": "user", "content": "A story"}], "base_model": "base",
                              "conformative_weight": 0.3, "conformative_space": "logarithmic", "truncate_on": "base",
                              "base_temperature": 1.2, "base_prompt_style": "completion", "max_completion_tokens": 32},
        "completion.json": {"prompt": "Once upon a time", "max_tokens": 16, "logprobs": 2, "stop": "END",
                            "frequency_penalty": 0.5, "presence_penalty": 0.2, "ignore_eos": False, "logit_bias": {}},
    }
    for name, body in bodies.items():
        write_json(folder("FuzzServerRequest") / name, body)


if __name__ == "__main__":
    main()
