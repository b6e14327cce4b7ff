"""Reference fixtures for the papers' embedders (docs/methods.md §3.3): AnnaWegmann/Style-Embedding
(RoBERTa) and jina-embeddings-v3 (XLM-RoBERTa with rotary positions and task LoRA adapters, on a
SentencePiece Unigram tokenizer). Small random models of the same layout stand in for the real ones.

Run:    /tmp/pyref-emb/bin/python scripts/reference/embeddings_papers.py JINA_CODE_DIR
        JINA_CODE_DIR holds jinaai/xlm-roberta-flash-implementation (modeling_lora.py, …; a copy is in
        the GitHub repository aoncevay/jina-wrapper). The venv needs requirements.txt plus
        sentencepiece and einops.
Writes: Tests/TokenizersTests/Fixtures/unigram/tokenizer.json   a Unigram tokenizer.json laid out as
            XLM-RoBERTa's (Precompiled normalizer with SentencePiece's nmt_nfkc charsmap, Metaspace
            pre-tokenizer and decoder, Unigram model with <s> <pad> </s> <unk> at ids 0-3, <mask>
            last, TemplateProcessing <s> $A </s>), from a SentencePiece model trained here.
        Tests/TokenizersTests/Fixtures/unigram_cases.json   ids from the `tokenizers` library for
            varied texts (accents, CJK, emoji, whitespace runs, unknown characters, added tokens),
            with and without special tokens, and decodes; the same for two variants of the pipeline
            (Sequence[Precompiled, Replace(" {2,}")] normalizer, byte_fallback).
        Tests/EmbeddingsTests/Fixtures/style-embedding-tiny/   a random RoBERTa in the layout of
            AnnaWegmann/Style-Embedding (mean pooling, max_seq_length 512, max_position_embeddings 514,
            type_vocab_size 1, byte-level BPE), saved by sentence-transformers.
        Tests/EmbeddingsTests/Fixtures/embeddings_style_tiny.json   its SentenceTransformer.encode vectors.
        Tests/EmbeddingsTests/Fixtures/jina-v3-tiny/   a random XLMRobertaLoRA (the jina code's own
            class; hidden 32, 2 layers, rotary base 20000, 5 LoRA tasks of rank 4, every weight and
            adapter perturbed so each matters) with config.json, modules.json, 1_Pooling,
            tokenizer files laid out as jinaai/jina-embeddings-v3's.
        Tests/EmbeddingsTests/Fixtures/embeddings_jina_tiny.json   its `encode` vectors with no task
            (adapters off) and with task "text-matching" and "retrieval.query" (adapters on,
            instruction prefixed), run on CPU with PyTorch attention (use_flash_attn false).
"""
import importlib
import json
import os
import shutil
import sys

import sentencepiece as spm
import torch
from safetensors.torch import save_file
from sentence_transformers import SentenceTransformer, models
from tokenizers import ByteLevelBPETokenizer, Tokenizer, decoders, normalizers, pre_tokenizers, processors, Regex
from tokenizers.models import Unigram
from transformers import PreTrainedTokenizerFast, RobertaConfig, RobertaModel

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
TOKENIZER_FIXTURES = os.path.join(ROOT, "Tests", "TokenizersTests", "Fixtures")
EMBEDDING_FIXTURES = os.path.join(ROOT, "Tests", "EmbeddingsTests", "Fixtures")
WORK = "/tmp/divtune-embeddings-papers"

# Training text for the SentencePiece model: several scripts, so the vocabulary has pieces for them.
CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "Stories about the sea, the stars and the storms were told by the old lighthouse keeper.",
    "A dragon slept under the mountain for a thousand years, dreaming of gold.",
    "Café naïve résumé — les élèves étudient à l'école près de la forêt.",
    "Über den Wolken muss die Freiheit wohl grenzenlos sein, sagte der Müller.",
    "東京タワーは東京の観光名所です。日本語の文章も少し含めます。",
    "北京是中国的首都，这是一个中文句子。",
    "Москва — столица России, а это предложение на русском языке.",
    "Numbers like 42, 3.14 and 2024 appear too! Emoji 🚀 and 😀 are fun.",
    "El niño comió una manzana en la mañana; ¿qué más quieres?",
]

CHARSMAP_MARKER = "<precompiled_charsmap of unigram/tokenizer.json>"
TEXTS = [
    "Hello world",
    "The quick brown fox jumps over the lazy dog.",
    "Café naïve résumé, déjà vu à l'école",
    "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ and ① circled and ﬁ ligature",
    "東京タワーは東京の観光名所です。",
    "北京是中国的首都",
    "Москва — столица России.",
    "Emoji 🚀😀👍🏽 and a family 👨‍👩‍👧 and flags 🇫🇷",
    "   leading spaces, inner   runs of   spaces, and trailing   ",
    "tabs\tand\nnewlines\n\nand\r\ncarriage returns",
    "",
    " ",
    "ภาษาไทยไม่มีในคลัง and ☃ snowmen unknown",
    "A <mask> token in the middle, and <s> literal specials </s>.",
    "Combining: e\u0301 a\u0308 n\u0303 (decomposed accents)",
    "Mixed ＡＢＣ１２３ numbers 42 3.14 2024 and punctuation!?;:…",
    "ﾊﾝｶｸｶﾀｶﾅ half-width katakana",
    "El niño comió una manzana; ¿qué más quieres?",
    "Zero\u200bwidth\u00a0no-break\u3000ideographic space",
]


def rounded(rows):
    return [[round(float(x), 7) for x in row] for row in rows]


def write_json(path, payload):
    with open(path, "w") as f:
        json.dump(payload, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


def varint(data, i):
    value, shift = 0, 0
    while True:
        b = data[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return value, i


def protobuf_fields(data):
    """(field number, wire type, value) of one protobuf message (only the wire types spm uses)."""
    i = 0
    while i < len(data):
        key, i = varint(data, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(data, i)
        elif wire == 2:
            n, i = varint(data, i)
            value, i = data[i:i + n], i + n
        elif wire == 5:
            value, i = data[i:i + 4], i + 4
        elif wire == 1:
            value, i = data[i:i + 8], i + 8
        else:
            raise ValueError(f"wire type {wire}")
        yield field, wire, value


def precompiled_charsmap(model_path):
    """ModelProto.normalizer_spec (field 3) .precompiled_charsmap (field 2)."""
    data = open(model_path, "rb").read()
    for field, _, value in protobuf_fields(data):
        if field == 3:
            for f2, _, v2 in protobuf_fields(value):
                if f2 == 2:
                    return bytes(v2)
    raise ValueError("no precompiled_charsmap")


def unigram_tokenizer(normalizer_variant="precompiled", byte_fallback=False):
    """An XLM-R-style Unigram tokenizer from a SentencePiece model trained on CORPUS."""
    os.makedirs(WORK, exist_ok=True)
    prefix = os.path.join(WORK, "spm")
    if not os.path.exists(prefix + ".model"):
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(CORPUS * 20), model_prefix=prefix, vocab_size=400, model_type="unigram",
            normalization_rule_name="nmt_nfkc", hard_vocab_limit=False, character_coverage=0.9995,
            bos_id=0, pad_id=1, eos_id=2, unk_id=3, num_threads=1, seed_sentencepiece_size=100000)
    sp = spm.SentencePieceProcessor(model_file=prefix + ".model")
    vocab = [(sp.id_to_piece(i), float(sp.get_score(i))) for i in range(sp.get_piece_size())]
    # XLM-R gives its special tokens score 0.
    for i in range(4):
        vocab[i] = (vocab[i][0], 0.0)
    if byte_fallback:
        vocab += [(f"<0x{b:02X}>", 0.0) for b in range(256)]
    vocab.append(("<mask>", 0.0))
    tok = Tokenizer(Unigram(vocab, unk_id=3, byte_fallback=byte_fallback))
    charsmap = precompiled_charsmap(prefix + ".model")
    if normalizer_variant == "precompiled":
        tok.normalizer = normalizers.Precompiled(charsmap)
    else:
        tok.normalizer = normalizers.Sequence([normalizers.Precompiled(charsmap), normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.post_processor = processors.TemplateProcessing(single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
                                                       special_tokens=[("<s>", 0), ("</s>", 2)])
    from tokenizers import AddedToken
    tok.add_special_tokens([AddedToken("<s>", special=True), AddedToken("<pad>", special=True),
                            AddedToken("</s>", special=True), AddedToken("<unk>", special=True),
                            AddedToken("<mask>", lstrip=True, special=True)])
    return tok


def unigram_cases():
    folder = os.path.join(TOKENIZER_FIXTURES, "unigram")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    tok = unigram_tokenizer()
    charsmap = json.loads(tok.to_str())["normalizer"]["precompiled_charsmap"]
    tok.save(os.path.join(folder, "tokenizer.json"))
    reloaded = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    variants = {}
    for name, t in [("xlmr", reloaded), ("replace_spaces", unigram_tokenizer("sequence")),
                    ("byte_fallback", unigram_tokenizer(byte_fallback=True))]:
        cases = []
        for text in TEXTS:
            with_special = t.encode(text).ids
            plain = t.encode(text, add_special_tokens=False).ids
            cases.append({"text": text, "ids": with_special, "ids_no_special": plain,
                          "decoded": t.decode(with_special, skip_special_tokens=True)})
        # Variants are stored whole, less the charsmap they share with unigram/tokenizer.json.
        tokenizer_json = None if name == "xlmr" else t.to_str().replace(charsmap, CHARSMAP_MARKER)
        variants[name] = {"tokenizer_json": tokenizer_json, "cases": cases}
    unknown = [c for c in variants["xlmr"]["cases"] if 3 in c["ids_no_special"]]
    assert unknown, "some text must fall back to <unk>"
    write_json(os.path.join(TOKENIZER_FIXTURES, "unigram_cases.json"), variants)
    return folder


STYLE_CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "Stories about the sea, the stars and the storms.",
    "lol ok that's so funny!!! omg",
    "Dear Sir, I write to inform you of the proceedings.",
    "Café naïve résumé — unicode text with accents.",
    "Numbers like 42, 3.14 and 2024 appear too!",
] * 20
LONG = " ".join(f"Paragraph {i}: the keeper counted {i * 7} gulls and wrote them down, carefully." for i in range(80))
STYLE_TEXTS = TEXTS + [LONG, "short", "OMG!!! this is SO good lol :)", "I shall not, madam; it would be improper."]


def style_embedding():
    """Random RoBERTa in AnnaWegmann/Style-Embedding's layout, through sentence-transformers."""
    folder = os.path.join(EMBEDDING_FIXTURES, "style-embedding-tiny")
    shutil.rmtree(folder, ignore_errors=True)
    work = os.path.join(WORK, "style")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    bpe = ByteLevelBPETokenizer(add_prefix_space=False, trim_offsets=True)
    bpe.train_from_iterator(STYLE_CORPUS, vocab_size=500, min_frequency=1,
                            special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    bpe._tokenizer.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0), trim_offsets=True, add_prefix_space=False)
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer, bos_token="<s>", eos_token="</s>", sep_token="</s>",
                                  cls_token="<s>", unk_token="<unk>", pad_token="<pad>", mask_token="<mask>", model_max_length=512)
    tok.save_pretrained(work)
    torch.manual_seed(1)
    config = RobertaConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                           intermediate_size=64, max_position_embeddings=514, type_vocab_size=1,
                           pad_token_id=1, bos_token_id=0, eos_token_id=2, layer_norm_eps=1e-5, hidden_act="gelu")
    net = RobertaModel(config, add_pooling_layer=False)
    with torch.no_grad():
        for p in net.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    net.eval()
    net.save_pretrained(work, safe_serialization=True)
    transformer = models.Transformer(work, max_seq_length=512)
    pooling = models.Pooling(transformer.get_embedding_dimension(), pooling_mode="mean")
    st = SentenceTransformer(modules=[transformer, pooling], device="cpu")
    st.eval()
    vectors = st.encode(STYLE_TEXTS, batch_size=4, convert_to_numpy=True)
    st.save(folder)
    for extra in ["README.md", "vocab.json", "merges.txt", "config_sentence_transformers.json"]:
        path = os.path.join(folder, extra)
        if os.path.exists(path):
            os.remove(path)
    ids = [transformer.tokenizer(t, truncation=True, max_length=512)["input_ids"] for t in STYLE_TEXTS]
    assert max(len(i) for i in ids) == 512, "the long text must be truncated at 512"
    write_json(os.path.join(EMBEDDING_FIXTURES, "embeddings_style_tiny.json"),
               {"model": "style-embedding-tiny", "max_seq_length": 512, "texts": STYLE_TEXTS, "input_ids": ids,
                "embeddings": rounded(vectors)})


TASKS = ["retrieval.query", "retrieval.passage", "separation", "classification", "text-matching"]
INSTRUCTIONS = {"retrieval.query": "Represent the query for retrieving evidence documents: ",
                "retrieval.passage": "Represent the document for retrieval: ",
                "separation": "", "classification": "", "text-matching": ""}


def load_jina_code(directory):
    """Imports the jina package from `directory` under the name `xlm_flash`, with the one helper
    transformers 5 no longer exports (used only for absolute positions, not rotary)."""
    import transformers
    import transformers.models.xlm_roberta.modeling_xlm_roberta as hf_xlmr

    def create_position_ids_from_input_ids(input_ids, padding_idx, past_key_values_length=0):
        mask = input_ids.ne(padding_idx).int()
        return (torch.cumsum(mask, dim=1).type_as(mask) + past_key_values_length) * mask + padding_idx

    hf_xlmr.create_position_ids_from_input_ids = create_position_ids_from_input_ids
    package = os.path.join(WORK, "xlm_flash")
    shutil.rmtree(package, ignore_errors=True)
    shutil.copytree(directory, package)
    open(os.path.join(package, "__init__.py"), "w").close()
    sys.path.insert(0, WORK)
    # XLMRobertaModel.__init__ loads a tokenizer by the model's hub name; the script sets one after.
    transformers.AutoTokenizer.from_pretrained = staticmethod(lambda *a, **k: None)
    config_module = importlib.import_module("xlm_flash.configuration_xlm_roberta")
    lora_module = importlib.import_module("xlm_flash.modeling_lora")
    return config_module.XLMRobertaFlashConfig, lora_module.XLMRobertaLoRA


def jina(code_directory, tokenizer_folder):
    Config, LoRA = load_jina_code(code_directory)
    folder = os.path.join(EMBEDDING_FIXTURES, "jina-v3-tiny")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(os.path.join(folder, "1_Pooling"))
    tokenizer = Tokenizer.from_file(os.path.join(tokenizer_folder, "tokenizer.json"))
    vocab_size = tokenizer.get_vocab_size()
    settings = dict(vocab_size=vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                    intermediate_size=64, max_position_embeddings=8194, type_vocab_size=1, layer_norm_eps=1e-5,
                    pad_token_id=1, bos_token_id=0, eos_token_id=2, position_embedding_type="rotary",
                    rotary_emb_base=20000.0, lora_adaptations=TASKS, task_instructions=INSTRUCTIONS, lora_rank=4,
                    lora_alpha=1, lora_dropout_p=0.0, use_flash_attn=False, load_trained_adapters=True,
                    hidden_act="gelu", matryoshka_dimensions=[8, 16, 32])
    config = Config(**settings)
    torch.manual_seed(2)
    model = LoRA(config, add_pooling_layer=True)
    with torch.no_grad():
        for name, p in model.state_dict().items():
            # lora_B of linear layers (and lora_A of embeddings) start at zero: give every one values.
            scale = 0.3 if "lora" in name else 0.1
            p.add_(torch.randn_like(p) * scale)
    model.eval()
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token="<s>", eos_token="</s>", unk_token="<unk>",
                                   pad_token="<pad>", mask_token="<mask>", cls_token="<s>", sep_token="</s>",
                                   model_max_length=8194)
    model.roberta.tokenizer = fast
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(folder, "model.safetensors"), metadata={"format": "pt"})
    fast.save_pretrained(folder)
    # The same file as the Tokenizers fixture (git stores it once).
    shutil.copy(os.path.join(tokenizer_folder, "tokenizer.json"), os.path.join(folder, "tokenizer.json"))
    for extra in ["special_tokens_map.json"]:
        path = os.path.join(folder, extra)
        if os.path.exists(path):
            os.remove(path)
    # config.json as jinaai/jina-embeddings-v3 writes it: no model_type, the architecture named by
    # "architectures", the remote code by "auto_map".
    real = {"_name_or_path": "jinaai/jina-embeddings-v3", "architectures": ["XLMRobertaModel"],
            "attention_probs_dropout_prob": 0.1,
            "auto_map": {"AutoConfig": "jinaai/xlm-roberta-flash-implementation--configuration_xlm_roberta.XLMRobertaFlashConfig",
                         "AutoModel": "jinaai/xlm-roberta-flash-implementation--modeling_lora.XLMRobertaLoRA"},
            "classifier_dropout": None, "emb_pooler": None, "hidden_dropout_prob": 0.1, "initializer_range": 0.02,
            "lora_main_params_trainable": False, "output_past": True, "torch_dtype": "float32",
            "truncate_dim": None, "use_cache": True}
    real.update(settings)
    real["use_flash_attn"] = True
    write_json(os.path.join(folder, "config.json"), real)
    write_json(os.path.join(folder, "modules.json"), [
        {"idx": 0, "name": "transformer", "path": "", "type": "custom_st.Transformer", "kwargs": ["task"]},
        {"idx": 1, "name": "pooler", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "normalizer", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}])
    write_json(os.path.join(folder, "1_Pooling", "config.json"), {
        "word_embedding_dimension": 32, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False})
    texts = [t for t in TEXTS if t.strip()] + [" ".join(CORPUS)]
    results = {}
    for task in [None, "text-matching", "retrieval.query"]:
        vectors = model.encode(texts, task=task, batch_size=4, convert_to_numpy=True)
        results[task or "none"] = rounded(vectors)
    ids = [fast(t)["input_ids"] for t in texts]
    write_json(os.path.join(EMBEDDING_FIXTURES, "embeddings_jina_tiny.json"),
               {"model": "jina-v3-tiny", "texts": texts, "input_ids": ids, "embeddings": results})


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    torch.set_num_threads(2)
    tokenizer_folder = unigram_cases()
    style_embedding()
    jina(sys.argv[1], tokenizer_folder)
    print("wrote fixtures")
