import Testing

@testable import StaskPosix

@Suite struct HelperFrameTests {
    @Test func framesRoundTripInOrder() throws {
        var buffer =
            HelperFrame.encode(id: 1, body: [1, 2, 3]) + HelperFrame.encode(id: 0, body: [])
            + HelperFrame.encode(id: UInt64.max, body: Array(repeating: 7, count: 300))
        let frames = try HelperFrame.decode(&buffer)
        #expect(
            frames == [
                .init(id: 1, body: [1, 2, 3]), .init(id: 0, body: []),
                .init(id: UInt64.max, body: Array(repeating: 7, count: 300)),
            ])
        #expect(buffer.isEmpty)
    }

    @Test func theHeaderIsABigEndianLengthThenTheID() {
        #expect(HelperFrame.encode(id: 0x0102, body: [9]) == [0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 1, 2, 9])
    }

    @Test(arguments: [1, 4, 11, 12, 15])
    func anIncompleteFrameWaitsForTheRest(split: Int) throws {
        let whole = HelperFrame.encode(id: 5, body: [1, 2, 3, 4])
        var buffer = Array(whole[0..<split])
        #expect(try HelperFrame.decode(&buffer) == [])
        #expect(buffer.count == split)
        buffer += whole[split...]
        #expect(try HelperFrame.decode(&buffer) == [.init(id: 5, body: [1, 2, 3, 4])])
    }

    @Test(arguments: [[0, 0, 0, 7] as [UInt8], [0x10, 0, 0, 0], [0xff, 0xff, 0xff, 0xff]])
    func aLengthOutOfRangeIsMalformed(header: [UInt8]) {
        var buffer = header + Array(repeating: 0, count: 8)
        #expect(throws: HelperFrame.Malformed.self) { try HelperFrame.decode(&buffer) }
    }
}
