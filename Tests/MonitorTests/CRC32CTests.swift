import Testing
@testable import Monitor

/// CRC-32C against the test vectors of RFC 3720 (iSCSI) appendix B.4 and the usual check value.
struct CRC32CTests {
    @Test func matchesTheRFC3720Vectors() {
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map(UInt8.init)) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).reversed().map(UInt8.init)) == 0x113F_DB5C)
        // An iSCSI SCSI Read (10) command PDU.
        var pdu = [UInt8](repeating: 0, count: 48)
        for (index, byte) in [(0, 0x01), (1, 0xC0), (16, 0x14), (22, 0x04), (27, 0x14), (31, 0x18), (32, 0x28), (40, 0x02)] {
            pdu[index] = UInt8(byte)
        }
        #expect(CRC32C.checksum(pdu) == 0xD996_3A56)
    }

    @Test func checkValueAndTensorFlowMask() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([]) == 0)
        // tensorboard's masked_crc32c of the same bytes.
        #expect(CRC32C.maskedChecksum(Array("123456789".utf8)) == 0xC78A_B0E5)
        #expect(CRC32C.maskedChecksum([UInt8](repeating: 0, count: 32)) == 0x0FD7_FFFA)
    }
}
