import FuzzSupport
import WeightFormats

/// A safetensors file: its JSON header validated against the data, then every tensor read as
/// Float32 (docs/fuzzing.md).
@main enum FuzzSafetensors {
    static func main() {
        FuzzTarget.run { data in
            let file = try SafetensorsFile(file: MappedFile(data: data, name: "input.safetensors"))
            for tensor in file.orderedTensors { _ = try? file.floats(tensor) }
        }
    }
}
