"""Reference fixtures for the WeightFormats tests, produced by gguf-py, safetensors and numpy.

Run:   /work/pyref/bin/python scripts/reference/formats_fixtures.py
Needs: gguf (gguf-py), safetensors, numpy, torch (for BF16 safetensors). The SmolLM2 rows need the
       model cache ($DIVTUNE_CACHE or .cache/models; scripts/fetch-models.sh); without it that
       fixture is left as it is.
Writes into Tests/WeightFormatsTests/Fixtures/:
  quants.gguf        GGUF v3: one small tensor per type (F32 F16 BF16 Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 Q4_K
                     Q5_K Q6_K; random blocks with sane f16 scales), a 3-D F32 tensor, and metadata
                     of every value type incl. nested arrays
  quants.json        gguf-py's dequantization of each tensor and y = W·x (float64) for
                     x[i] = ((7·i) mod 13 − 6) / 4
  aligned_v2.gguf    a GGUF *v2* file with general.alignment = 64 (F32 [3, 8] = 0…23, Q8_0 [1, 32])
  permutation.json   convert_hf_to_gguf's Q/K permutation applied by numpy to small matrices
  tiny.safetensors   F32, F16, BF16, scalar and I64 tensors + __metadata__; tiny.json: the values
  sharded/           model-0000{1,2}-of-00002.safetensors + model.safetensors.index.json
  smollm2_rows.json  rows of real SmolLM2 tensors dequantized by gguf-py, and W·x heads
"""
import json
import os

import numpy as np
import gguf
import torch
from gguf import GGMLQuantizationType as Q
from gguf.quants import dequantize
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "WeightFormatsTests", "Fixtures")
CACHE = os.environ.get("DIVTUNE_CACHE", os.path.join(ROOT, ".cache", "models"))
rng = np.random.default_rng(42)


def probe(n):
    """The test input vector: exact in float32."""
    return (((7 * np.arange(n)) % 13) - 6).astype(np.float64) / 4


def floats(a):
    return [float("%.9g" % v) for v in np.asarray(a, dtype=np.float32).flatten()]


# Byte offsets of the f16 scale fields inside each block type (given sane random values).
SCALES = {Q.Q4_0: [0], Q.Q4_1: [0, 2], Q.Q5_0: [0], Q.Q5_1: [0, 2], Q.Q8_0: [0], Q.Q4_K: [0, 2], Q.Q5_K: [0, 2], Q.Q6_K: [208]}


def random_blocks(qtype, n_blocks):
    _, size = gguf.GGML_QUANT_SIZES[qtype]
    raw = rng.integers(0, 256, size=(n_blocks, size), dtype=np.uint8)
    for off in SCALES[qtype]:
        scale = rng.uniform(-0.05, 0.05, n_blocks).astype(np.float16)
        raw[:, off:off + 2] = np.frombuffer(scale.tobytes(), np.uint8).reshape(n_blocks, 2)
    return raw


# ---------------------------------------------------------------- quants.gguf
writer = gguf.GGUFWriter(os.path.join(OUT, "quants.gguf"), "llama")
writer.add_uint8("test.u8", 200)
writer.add_int8("test.i8", -100)
writer.add_uint16("test.u16", 60000)
writer.add_int16("test.i16", -30000)
writer.add_uint32("test.u32", 4000000000)
writer.add_int32("test.i32", -2000000000)
writer.add_float32("test.f32", 0.25)
writer.add_uint64("test.u64", 2**40)
writer.add_int64("test.i64", -(2**40))
writer.add_float64("test.f64", 1e-300)
writer.add_bool("test.bool", True)
writer.add_string("test.string", "héllo ✓")
writer.add_array("test.strings", ["a", "bc", ""])
writer.add_array("test.ints", [1, -2, 3])
writer.add_array("test.floats", [0.5, -1.25, 3.0])
writer.add_array("test.bools", [True, False])
writer.add_array("test.nested", [[1, 2], [3], [4, 5, 6]])
writer.add_array("test.nested_strings", [["x", "y"], ["z"]])

expected, x_cache = {}, {}
for qtype in [Q.F32, Q.F16, Q.BF16, Q.Q4_0, Q.Q4_1, Q.Q5_0, Q.Q5_1, Q.Q8_0, Q.Q4_K, Q.Q5_K, Q.Q6_K]:
    block, size = gguf.GGML_QUANT_SIZES[qtype]
    rows, cols = 3, max(64, block)
    if qtype == Q.F32:
        data = rng.standard_normal((rows, cols)).astype(np.float32)
        values = data
    elif qtype == Q.F16:
        data = rng.standard_normal((rows, cols)).astype(np.float16)
        values = data.astype(np.float32)
    elif qtype == Q.BF16:
        bits = (rng.standard_normal((rows, cols)).astype(np.float32).view(np.uint32) >> 16).astype(np.uint16)
        values = (bits.astype(np.uint32) << 16).view(np.float32)
        data = bits.view(np.uint8).reshape(rows, cols * 2)
    else:
        data = random_blocks(qtype, rows * cols // block).reshape(rows, cols // block * size)
        values = dequantize(data, qtype)
    name = f"t.{qtype.name}"
    writer.add_tensor(name, data, raw_dtype=qtype if qtype not in (Q.F32, Q.F16) else None)
    values = values.reshape(rows, cols)
    expected[name] = {"type": qtype.name, "shape": [rows, cols], "values": floats(values),
                      "matvec": [float(v) for v in values.astype(np.float64) @ probe(cols)]}
cube = np.arange(2 * 3 * 32, dtype=np.float32).reshape(2, 3, 32)
writer.add_tensor("t.cube", cube)
expected["t.cube"] = {"type": "F32", "shape": [2, 3, 32], "values": floats(cube), "matvec": []}
writer.write_header_to_file()
writer.write_kv_data_to_file()
writer.write_tensors_to_file()
writer.close()
with open(os.path.join(OUT, "quants.json"), "w") as f:
    json.dump(expected, f)

# ---------------------------------------------------------------- aligned_v2.gguf
path = os.path.join(OUT, "aligned_v2.gguf")
writer = gguf.GGUFWriter(path, "test")
writer.data_alignment = 64
writer.add_uint32("general.alignment", 64)
writer.add_uint64("test.count", 7)
writer.add_tensor("a", np.arange(24, dtype=np.float32).reshape(3, 8))
writer.add_tensor("b", random_blocks(Q.Q8_0, 1).reshape(1, 34), raw_dtype=Q.Q8_0)
writer.write_header_to_file()
writer.write_kv_data_to_file()
writer.write_tensors_to_file()
writer.close()
raw = bytearray(open(path, "rb").read())
raw[4:8] = (2).to_bytes(4, "little")  # v2 and v3 share the layout (v3 added big-endian support)
open(path, "wb").write(raw)
r = gguf.GGUFReader(path)
assert [t.name for t in r.tensors] == ["a", "b"] and r.tensors[1].data_offset % 64 == 0

# ---------------------------------------------------------------- permutation.json


def permute(weights, n_head, n_head_kv):  # convert_hf_to_gguf.py, LlamaModel.permute
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return (weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
            .swapaxes(1, 2).reshape(weights.shape))


cases = []
for heads, kv_heads, head_dim, columns in [(3, 3, 4, 5), (4, 2, 6, 3), (2, 1, 8, 1)]:
    for role, h in [("q", heads), ("k", kv_heads)]:
        w = np.arange(h * head_dim * columns, dtype=np.float64).reshape(h * head_dim, columns)
        g = permute(w, heads, kv_heads if role == "k" else heads)
        cases.append({"heads": h, "rows": h * head_dim, "columns": columns,
                      "hf": w.flatten().tolist(), "gguf": g.flatten().tolist()})
with open(os.path.join(OUT, "permutation.json"), "w") as f:
    json.dump(cases, f)

# ---------------------------------------------------------------- safetensors
tensors = {
    "a.f32": torch.from_numpy(rng.standard_normal((3, 4)).astype(np.float32)),
    "b.f16": torch.from_numpy(rng.standard_normal((5,)).astype(np.float16)),
    "c.bf16": torch.from_numpy(rng.standard_normal((2, 3)).astype(np.float32)).to(torch.bfloat16),
    "scalar": torch.tensor(2.5, dtype=torch.float32),
    "position_ids": torch.arange(4, dtype=torch.int64).reshape(1, 4),
}
save_file(tensors, os.path.join(OUT, "tiny.safetensors"), metadata={"format": "pt"})
with open(os.path.join(OUT, "tiny.json"), "w") as f:
    json.dump({k: {"shape": list(v.shape), "values": [float(x) for x in v.float().flatten()]}
               for k, v in tensors.items() if v.is_floating_point()}, f)

shard_dir = os.path.join(OUT, "sharded")
os.makedirs(shard_dir, exist_ok=True)
shards = {"model-00001-of-00002.safetensors": {"model.embed_tokens.weight": torch.arange(6, dtype=torch.float32).reshape(3, 2)},
          "model-00002-of-00002.safetensors": {"model.norm.weight": torch.tensor([1.0, -1.0], dtype=torch.bfloat16),
                                               "lm_head.weight": torch.full((3, 2), 0.5, dtype=torch.float16)}}
weight_map, total = {}, 0
for shard, ts in shards.items():
    save_file(ts, os.path.join(shard_dir, shard), metadata={"format": "pt"})
    for k, v in ts.items():
        weight_map[k] = shard
        total += v.numel() * v.element_size()
with open(os.path.join(shard_dir, "model.safetensors.index.json"), "w") as f:
    json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)

# ---------------------------------------------------------------- SmolLM2 rows
path = os.path.join(CACHE, "SmolLM2-135M-Instruct-Q4_1", "SmolLM2-135M-Instruct.Q4_1.gguf")
if os.path.exists(path):
    r = gguf.GGUFReader(path)
    rows = {}
    for t in r.tensors:
        if t.name in ("blk.0.attn_q.weight", "token_embd.weight", "blk.0.attn_norm.weight", "blk.3.ffn_down.weight"):
            data = dequantize(t.data, t.tensor_type).reshape(-1, int(t.shape[0]))
            pick = sorted({0, min(1, data.shape[0] - 1), data.shape[0] - 1})
            entry = {"type": t.tensor_type.name, "rows": pick,
                     "head": [[float(v) for v in data[i, :64]] for i in pick],
                     "sums": [float(data[i].astype(np.float64).sum()) for i in pick]}
            if data.shape[0] > 1:
                y = data.astype(np.float64) @ probe(data.shape[1])
                entry["matvec_head"] = [float(v) for v in y[:64]]
                entry["matvec_sum"] = float(y.sum())
            rows[t.name] = entry
    with open(os.path.join(OUT, "smollm2_rows.json"), "w") as f:
        json.dump(rows, f)
else:
    print("SmolLM2 not found at", path, "- smollm2_rows.json left unchanged")
print("fixtures written to", OUT)
