/// Conversions between Float32 and the 16-bit storage formats of checkpoints.
///
/// F16 is IEEE binary16 (Swift's `Float16` where the platform has it, else a bit-exact software
/// conversion); BF16 is the top half of a Float32 (`bits << 16`), rounded to nearest-even on the
/// way down as PyTorch does.
public enum HalfPrecision {
    public static func float(fromFloat16Bits h: UInt16) -> Float {
        #if arch(arm64) || arch(x86_64)
        return Float(Float16(bitPattern: h))   // F16C / FP16 instructions where the target has them
        #else
        return softwareFloat(fromFloat16Bits: h)
        #endif
    }

    /// Exact binary16 → Float32 without hardware support.
    public static func softwareFloat(fromFloat16Bits h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = Int((h >> 10) & 0x1F)
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0 {
            if mantissa == 0 { return Float(bitPattern: sign) }
            // subnormal: mantissa · 2^-24
            let value = Float(mantissa) * 5.960_464_5e-8
            return sign != 0 ? -value : value
        }
        if exponent == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
    }

    public static func float16Bits(from value: Float) -> UInt16 {
        #if arch(arm64) || arch(x86_64)
        return Float16(value).bitPattern
        #else
        return softwareFloat16Bits(from: value)
        #endif
    }

    /// Round-to-nearest-even Float32 → binary16 without hardware support (used where `Float16` is absent).
    public static func softwareFloat16Bits(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF) - 127 + 15
        var mantissa = bits & 0x7F_FFFF
        if (bits & 0x7F80_0000) == 0x7F80_0000 { return sign | 0x7C00 | (mantissa != 0 ? 0x200 : 0) }
        if exponent >= 31 { return sign | 0x7C00 }
        if exponent <= 0 {
            if exponent < -10 { return sign }
            mantissa |= 0x80_0000
            let shift = UInt32(14 - exponent)
            var half = mantissa >> shift
            let remainder = mantissa & ((1 << shift) - 1)
            let halfway = UInt32(1) << (shift - 1)
            if remainder > halfway || (remainder == halfway && (half & 1) != 0) { half += 1 }
            return sign | UInt16(half)
        }
        var half = UInt32(exponent) << 10 | (mantissa >> 13)
        let remainder = mantissa & 0x1FFF
        if remainder > 0x1000 || (remainder == 0x1000 && (half & 1) != 0) { half += 1 }
        return sign | UInt16(half)
    }

    public static func float(fromBFloat16Bits b: UInt16) -> Float { Float(bitPattern: UInt32(b) << 16) }

    public static func bfloat16Bits(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(bits >> 16) | 0x40 }
        let rounding = 0x7FFF + ((bits >> 16) & 1)
        return UInt16((bits &+ rounding) >> 16)
    }
}

extension Tensor {
    /// The elements as IEEE binary16 bit patterns (round to nearest even), row-major.
    public var float16Bits: [UInt16] { scalars.map(HalfPrecision.float16Bits(from:)) }

    /// The elements as bfloat16 bit patterns (round to nearest even), row-major.
    public var bfloat16Bits: [UInt16] { scalars.map(HalfPrecision.bfloat16Bits(from:)) }
}
