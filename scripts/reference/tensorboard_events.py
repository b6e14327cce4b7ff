"""TensorBoard event files as the `tensorboard` package writes and reads them (docs/formats.md §4.5.1).

    python scripts/reference/tensorboard_events.py golden OUT_FILE
        Writes, with tensorboard's own RecordWriter and protobuf classes, the records that
        Tests/MonitorTests check DivTune's writer against byte for byte (Fixtures/golden.tfevents):
        the file-version record, scalars and text summaries.
    python scripts/reference/tensorboard_events.py read LOGDIR
        Reads a run folder with tensorboard's EventAccumulator (every item kept) and prints JSON:
        {"file_version": float, "scalars": {tag: [[step, value], ...]}, "texts": {tag: [[step, text], ...]}}
        with each value as Python's repr ("0.25", "nan", "-inf"), which a reader parses exactly
        (some JSON parsers round long numbers). The tests run this.

Needs only `tensorboard` (scripts/reference/test-requirements.txt; `make test-venv`).
"""
import json
import sys

from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2
from tensorboard.summary.writer.record_writer import RecordWriter

WALL_TIME = 1700000000.0


def text_value(tag, text):
    """torch.utils.tensorboard's summary.text: a rank-1 string tensor with the text plugin's metadata."""
    plugin = summary_pb2.SummaryMetadata.PluginData(plugin_name="text", content=b"")
    tensor = tensor_pb2.TensorProto(dtype=types_pb2.DT_STRING, string_val=[text.encode("utf-8")],
                                    tensor_shape=tensor_shape_pb2.TensorShapeProto(
                                        dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=1)]))
    return summary_pb2.Summary.Value(tag=tag + "/text_summary", metadata=summary_pb2.SummaryMetadata(plugin_data=plugin),
                                     tensor=tensor)


def golden(path):
    events = [
        event_pb2.Event(wall_time=WALL_TIME, file_version="brain.Event:2"),
        event_pb2.Event(wall_time=WALL_TIME + 0.5, step=3,
                        summary=summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="loss", simple_value=0.25)])),
        event_pb2.Event(wall_time=WALL_TIME + 1.0, step=3, summary=summary_pb2.Summary(value=[text_value("sample", "hi")])),
        # A step past one varint byte, a negative value, a tag with a slash and a non-ASCII text.
        event_pb2.Event(wall_time=WALL_TIME + 2.25, step=300,
                        summary=summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="train/rewards/margins",
                                                                                     simple_value=-1.5e-3)])),
        event_pb2.Event(wall_time=WALL_TIME + 3.0, step=300,
                        summary=summary_pb2.Summary(value=[text_value("monitor/samples", "Ünïcode — «quotes»\nline two")])),
    ]
    with open(path, "wb") as f:
        writer = RecordWriter(f)
        for event in events:
            writer.write(event.SerializeToString())


def read(logdir):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(logdir, size_guidance={"scalars": 0, "tensors": 0})
    accumulator.Reload()
    tags = accumulator.Tags()
    scalars = {tag: [[e.step, repr(e.value)] for e in accumulator.Scalars(tag)] for tag in tags["scalars"]}
    texts = {}
    for tag in tags["tensors"]:
        texts[tag] = [[e.step, b"".join(e.tensor_proto.string_val).decode("utf-8")] for e in accumulator.Tensors(tag)]
    print(json.dumps({"file_version": accumulator.file_version, "scalars": scalars, "texts": texts}, sort_keys=True))


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("golden", "read"):
        sys.exit(__doc__)
    (golden if sys.argv[1] == "golden" else read)(sys.argv[2])
