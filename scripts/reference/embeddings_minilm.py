"""Reference sentence embeddings for the Embeddings target (SentenceEmbedder on the Models encoder).

Run:    /work/pyref/bin/python scripts/reference/embeddings_minilm.py
Needs:  .cache/models/all-MiniLM-L6-v2 (scripts/fetch-models.sh)
Writes: Tests/EmbeddingsTests/Fixtures/embeddings_minilm.json  (MiniLM embeddings, ~50 KB)
        Tests/EmbeddingsTests/Fixtures/tiny-roberta/           (a tiny random RoBERTa saved as a
                                                                sentence-transformers folder, < 1 MB)
        Tests/EmbeddingsTests/Fixtures/embeddings_tiny_roberta.json (its embeddings under each pooling mode)

1. all-MiniLM-L6-v2 (BERT, WordPiece, mean pooling, Normalize) through sentence-transformers'
   own `SentenceTransformer.encode`, on texts chosen to exercise truncation at max_seq_length
   (256), unicode, punctuation and padding inside mixed-length batches.
2. A tiny RoBERTa (hidden 32, 2 layers, 4 heads; byte-level BPE trained here on a small corpus;
   position ids offset by padding_idx + 1; token_type vocab of 1) with random weights, saved by
   sentence-transformers with max pooling and max_seq_length 24 (so truncation matters), and its
   embeddings under mean / cls / max / lasttoken pooling (the same transformer, only the Pooling
   module differs). Token ids are recorded too, for the tokenizer's parity.
"""
import json
import os
import shutil

import torch
from sentence_transformers import SentenceTransformer, models
from tokenizers import ByteLevelBPETokenizer, processors
from transformers import PreTrainedTokenizerFast, RobertaConfig, RobertaModel

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
FIXTURES = os.path.join(ROOT, "Tests", "EmbeddingsTests", "Fixtures")
MINILM = os.path.join(ROOT, ".cache", "models", "all-MiniLM-L6-v2")

LONG = " ".join(f"Sentence number {i} tells of a lighthouse keeper who counted {i * 7} gulls before dawn." for i in range(40))
TEXTS = [
    "A quiet morning.",
    "The cat sat on the mat, and then—unexpectedly—it left!",
    "Ünïcödé: café, naïve, 東京タワー, emoji 🚀 and ½ fractions.",
    "",
    "Punctuation??? !!! ... ;;; (brackets) [more] {even more} \"quotes\" 'single'",
    LONG,
    "short",
    "Once upon a time, in a kingdom by the sea, there lived a princess who collected storms in glass jars.",
    "   leading and trailing spaces   ",
    "UPPER CASE TEXT SHOULD BE LOWERCASED BY THE TOKENIZER",
    "Numbers 12345 and 3.14159 and 2,718 and version v1.2.3-beta",
]


def rounded(rows):
    return [[round(float(x), 6) for x in row] for row in rows]


def minilm():
    model = SentenceTransformer(MINILM, device="cpu")
    model.eval()
    # batch_size 4 pads mixed lengths together (ST sorts by length inside encode, as we do).
    emb = model.encode(TEXTS, batch_size=4, convert_to_numpy=True, normalize_embeddings=False)
    tok = model.tokenizer
    ids = [tok(t, truncation=True, max_length=model.max_seq_length)["input_ids"] for t in TEXTS]
    assert len(ids[TEXTS.index(LONG)]) == model.max_seq_length, "the long text must be truncated"
    return {"model": "all-MiniLM-L6-v2", "max_seq_length": model.max_seq_length, "texts": TEXTS,
            "input_ids": ids, "embeddings": rounded(emb)}


CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "Stories about the sea, the stars and the storms.",
    "A dragon slept under the mountain for a thousand years.",
    "Poems, songs and letters written by candlelight.",
    "Café naïve résumé — unicode text with accents.",
    "Numbers like 42, 3.14 and 2024 appear too!",
] * 20


def tiny_roberta():
    folder = os.path.join(FIXTURES, "tiny-roberta")
    shutil.rmtree(folder, ignore_errors=True)
    work = os.path.join("/tmp", "tiny-roberta-build")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(CORPUS, vocab_size=400, min_frequency=1,
                            special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    # RoBERTa framing (<s> … </s>) as the HF roberta-base tokenizer.json has it.
    bpe._tokenizer.post_processor = processors.RobertaProcessing(("</s>", bpe.token_to_id("</s>")), ("<s>", bpe.token_to_id("<s>")))
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer, bos_token="<s>", eos_token="</s>", sep_token="</s>",
                                  cls_token="<s>", unk_token="<unk>", pad_token="<pad>", mask_token="<mask>", model_max_length=64)
    tok.save_pretrained(work)
    assert len(tok("The dragon slept.")["input_ids"]) < 12, "the BPE merges must have been learned"

    torch.manual_seed(0)
    config = RobertaConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                           intermediate_size=64, max_position_embeddings=40, type_vocab_size=1,
                           pad_token_id=tok.pad_token_id, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                           layer_norm_eps=1e-5, hidden_act="gelu")
    net = RobertaModel(config, add_pooling_layer=False)
    # Random init has tiny LayerNorm/bias values; perturb every parameter so each one matters.
    with torch.no_grad():
        for p in net.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    net.eval()
    net.save_pretrained(work, safe_serialization=True)

    transformer = models.Transformer(work, max_seq_length=24)
    results = {}
    for mode in ["mean", "cls", "max", "lasttoken"]:
        pooling = models.Pooling(transformer.get_embedding_dimension(), pooling_mode=mode)
        st = SentenceTransformer(modules=[transformer, pooling], device="cpu")
        st.eval()
        results[mode] = rounded(st.encode(TEXTS, batch_size=4, convert_to_numpy=True))
    # The saved folder: max pooling, no Normalize (MiniLM covers Normalize).
    pooling = models.Pooling(transformer.get_embedding_dimension(), pooling_mode="max")
    SentenceTransformer(modules=[transformer, pooling], device="cpu").save(folder)
    for extra in ["README.md", "vocab.json", "merges.txt", "config_sentence_transformers.json"]:
        path = os.path.join(folder, extra)
        if os.path.exists(path):
            os.remove(path)
    ids = [transformer.tokenizer(t, truncation=True, max_length=24)["input_ids"] for t in TEXTS]
    return {"model": "tiny-roberta", "max_seq_length": 24, "texts": TEXTS, "input_ids": ids, "embeddings": results}


def write(name, payload):
    with open(os.path.join(FIXTURES, name), "w") as f:
        json.dump(payload, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    torch.set_num_threads(2)
    write("embeddings_minilm.json", minilm())
    write("embeddings_tiny_roberta.json", tiny_roberta())
    print("wrote", FIXTURES)
