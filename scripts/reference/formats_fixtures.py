"""GGUF/safetensors fixtures for the WeightFormats tests, from gguf-py and safetensors.

Run:   /work/pyref/bin/python scripts/reference/formats_fixtures.py
Writes into Tests/WeightFormatsTests/Fixtures/:
  quants.gguf           one 2×256 tensor per quantization type (random blocks with sane scales),
                        plus metadata of every value type
  quants.json           gguf-py's dequantization of each tensor, and the metadata expected
  tiny.safetensors      F32/F16/BF16 tensors + __metadata__;  tiny.json: their values
  smollm2_rows.json     rows of real SmolLM2 tensors dequantized by gguf-py (needs the model cache)
"""
import json
import os

import numpy as np
import gguf
from gguf import GGMLQuantizationType as Q
from gguf.quants import dequantize
from safetensors.numpy import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "WeightFormatsTests", "Fixtures")
CACHE = os.environ.get("DIVTUNE_CACHE", os.path.join(ROOT, ".cache", "models"))
rng = np.random.default_rng(42)

TYPES = {  # type: byte offsets of f16 scale fields inside a block
    Q.F32: [], Q.F16: [], Q.BF16: [], Q.Q4_0: [0], Q.Q4_1: [0, 2], Q.Q5_0: [0], Q.Q5_1: [0, 2],
    Q.Q8_0: [0], Q.Q4_K: [0, 2], Q.Q5_K: [0, 2], Q.Q6_K: [208],
}


def random_blocks(qtype, n_blocks):
    block, size = gguf.GGML_QUANT_SIZES[qtype]
    raw = rng.integers(0, 256, size=(n_blocks, size), dtype=np.uint8)
    for off in TYPES[qtype]:  # scales: small positive/negative f16 values
        raw[:, off:off + 2] = np.frombuffer(rng.uniform(-0.05, 0.05, n_blocks).astype(np.float16).tobytes(), np.uint8).reshape(n_blocks, 2)
    return raw


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
expected = {}
for qtype in TYPES:
    rows, cols = 2, 256
    if qtype == Q.F32:
        data = rng.standard_normal((rows, cols)).astype(np.float32)
        values = data
    elif qtype == Q.F16:
        data = rng.standard_normal((rows, cols)).astype(np.float16)
        values = data.astype(np.float32)
    elif qtype == Q.BF16:
        f = rng.standard_normal((rows, cols)).astype(np.float32)
        data = (f.view(np.uint32) >> 16).astype(np.uint16)
        values = (data.astype(np.uint32) << 16).view(np.float32)
        data = data.view(np.uint8).reshape(rows, cols * 2)
    else:
        block, size = gguf.GGML_QUANT_SIZES[qtype]
        data = random_blocks(qtype, rows * cols // block).reshape(rows, cols // block * size)
        values = dequantize(data, qtype)
    name = f"t.{qtype.name}"
    writer.add_tensor(name, data, raw_dtype=qtype if qtype not in (Q.F32, Q.F16) else None)
    expected[name] = {"type": qtype.name, "shape": [rows, cols], "values": [float("%.9g" % v) for v in values.flatten()]}
writer.write_header_to_file()
writer.write_kv_data_to_file()
writer.write_tensors_to_file()
writer.close()
with open(os.path.join(OUT, "quants.json"), "w") as f:
    json.dump(expected, f)

tensors = {
    "a.f32": rng.standard_normal((3, 4)).astype(np.float32),
    "b.f16": rng.standard_normal((5,)).astype(np.float16),
    "scalar": np.array(2.5, dtype=np.float32),
}
save_file(tensors, os.path.join(OUT, "tiny.safetensors"), metadata={"format": "pt"})
with open(os.path.join(OUT, "tiny.json"), "w") as f:
    json.dump({k: {"shape": list(v.shape), "values": [float(x) for x in v.astype(np.float32).flatten()]} for k, v in tensors.items()}, f)

path = os.path.join(CACHE, "SmolLM2-135M-Instruct-Q4_1", "SmolLM2-135M-Instruct.Q4_1.gguf")
if os.path.exists(path):
    r = gguf.GGUFReader(path)
    rows = {}
    for t in r.tensors:
        if t.name in ("blk.0.attn_q.weight", "token_embd.weight", "blk.0.attn_norm.weight", "blk.3.ffn_down.weight"):
            data = dequantize(t.data, t.tensor_type).reshape(-1, int(t.shape[0]))
            pick = sorted({0, min(1, data.shape[0] - 1), data.shape[0] - 1})
            rows[t.name] = {"type": t.tensor_type.name, "rows": pick,
                            "head": [[float(v) for v in data[i, :64]] for i in pick],
                            "sums": [float(data[i].astype(np.float64).sum()) for i in pick]}
    with open(os.path.join(OUT, "smollm2_rows.json"), "w") as f:
        json.dump(rows, f)
print("fixtures written to", OUT)
