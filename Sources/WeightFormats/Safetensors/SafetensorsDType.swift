/// safetensors element types (`huggingface/safetensors` `Dtype`). Every listed type is understood
/// well enough to validate a header (its byte size); ``isFloatConvertible`` ones — F32, F16 and
/// BF16 — can be read as Float32 and written.
public enum SafetensorsDType: String, Sendable, CaseIterable {
    case bool = "BOOL", u8 = "U8", i8 = "I8", f8_e5m2 = "F8_E5M2", f8_e4m3 = "F8_E4M3", f8_e8m0 = "F8_E8M0"
    case i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16"
    case i32 = "I32", u32 = "U32", f32 = "F32"
    case f64 = "F64", i64 = "I64", u64 = "U64", c64 = "C64"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .bool, .u8, .i8, .f8_e5m2, .f8_e4m3, .f8_e8m0: return 1
        case .i16, .u16, .f16, .bf16: return 2
        case .i32, .u32, .f32: return 4
        case .f64, .i64, .u64, .c64: return 8
        }
    }

    /// F32, F16 and BF16: readable as Float32 (``SafetensorsFile/floats(named:)``) and writable.
    public var isFloatConvertible: Bool { self == .f32 || self == .f16 || self == .bf16 }
}
