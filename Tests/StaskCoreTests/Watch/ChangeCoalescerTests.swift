import AsyncStreams
import Testing

@testable import StaskCore

@Suite(.timeLimit(.minutes(1))) struct ChangeCoalescerTests {
    @Test func aParkedConsumerGetsTheBatchAfterTheQuietPeriod() async {
        let coalescer = ChangeCoalescer(quietPeriod: .milliseconds(5), clock: ContinuousClock())
        async let batch = coalescer.next()
        coalescer.add([FileChange(path: "/p/a.c", kind: .contents)])
        #expect(await batch == [FileChange(path: "/p/a.c", kind: .contents)])
    }

    @Test func finishingEndsAParkedConsumer() async {
        let coalescer = ChangeCoalescer(quietPeriod: .milliseconds(5), clock: ContinuousClock())
        async let batch = coalescer.next()
        coalescer.finish()
        #expect(await batch == nil)
    }

    @Test func cancellingEndsAParkedConsumer() async {
        let coalescer = ChangeCoalescer(quietPeriod: .milliseconds(5), clock: ContinuousClock())
        let consumer = Task { await coalescer.next() }
        consumer.cancel()
        #expect(await consumer.value == nil)
    }
}
