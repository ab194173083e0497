import Testing

@testable import AsyncStreams

@Suite struct NodeListTests {
    @Test(arguments: [0, 1, 2, 3, 50])
    func holdsWhatWasAppendedInOrder(count: Int) {
        var list = NodeList()
        let nodes = (0..<count).map { Int32($0 * 7) }
        for node in nodes { list.append(node) }
        #expect(Array(list) == nodes)
        #expect(list.underestimatedCount == count)
    }

    @Test func copiesAreIndependent() {
        var first = NodeList()
        first.append(1)
        first.append(2)
        var second = first
        second.append(3)
        first.append(4)
        #expect(Array(first) == [1, 2, 4])
        #expect(Array(second) == [1, 2, 3])
    }
}
