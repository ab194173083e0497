import Testing

@testable import AsyncStreams

/// The driver role of the event channel, exercised synchronously: who may handle events, and when the
/// parked loop is owed a look.
@Suite struct PoolEventChannelTests {
    typealias Channel = PoolEventChannel<Int, String>
    typealias Event = PoolEvent<Int, String>

    func finished(_ taskID: Int) -> Event { .finished(taskID: taskID, .success("t\(taskID)")) }

    func taskIDs(_ events: [Event]) -> [Int] {
        events.map { event in
            if case .finished(let taskID, _) = event { return taskID }
            return -1
        }
    }

    @Test func workerDrivesOnlyWhileTheLoopHasLetTheRoleGo() {
        let channel = Channel()
        channel.beginDriving()
        var events: [Event] = []
        var starts: [Channel.Start] = []
        // The loop holds the role: the event is queued for it.
        #expect(!channel.finish(finished(1), drivingWith: &events))
        let loopTurn = channel.tryTakeRole(into: &events, starts: &starts, releasing: true)
        #expect(loopTurn?.isStopped == false)
        #expect(taskIDs(events) == [1])
        events.removeAll()
        // The loop parks (nothing to do): the role is free and the next finishing worker takes it.
        #expect(channel.tryTakeRole(into: &events, starts: &starts, releasing: true) == nil)
        #expect(channel.finish(finished(2), drivingWith: &events))
        #expect(taskIDs(events) == [2])
        events.removeAll()
        // A second worker finishing meanwhile queues its event; the driver handles it before letting go.
        var other: [Event] = []
        #expect(!channel.finish(finished(3), drivingWith: &other))
        #expect(channel.release(into: &events, starts: &starts, wantsLoop: false))
        #expect(taskIDs(events) == [3])
        events.removeAll()
        #expect(!channel.release(into: &events, starts: &starts, wantsLoop: false))
        // Nothing is owed to the loop, so it stays parked.
        #expect(channel.tryTakeRole(into: &events, starts: &starts, releasing: false) == nil)
    }

    @Test func startsAndAnEmptyRunAreHandedToTheLoop() {
        let channel = Channel()
        var events: [Event] = []
        var starts = [Channel.Start(taskID: 7, key: "seven", body: .oneShot { "7" })]
        #expect(channel.finish(finished(1), drivingWith: &events))
        #expect(!channel.release(into: &events, starts: &starts, wantsLoop: false))
        #expect(starts.isEmpty)
        var taken: [Channel.Start] = []
        events.removeAll()
        #expect(channel.tryTakeRole(into: &events, starts: &taken, releasing: false) != nil)
        #expect(taken.map(\.taskID) == [7])
        // Nothing in flight any more: the worker asks the loop to look (the run may be over).
        #expect(channel.tryTakeRole(into: &events, starts: &taken, releasing: true) == nil)
        #expect(channel.finish(finished(2), drivingWith: &events))
        #expect(!channel.release(into: &events, starts: &starts, wantsLoop: true))
        #expect(channel.tryTakeRole(into: &events, starts: &taken, releasing: false) != nil)
    }

    @Test func signalsDuringARoundMakeTheDriverLookAgain() {
        let channel = Channel()
        var events: [Event] = []
        var starts: [Channel.Start] = []
        #expect(channel.finish(finished(1), drivingWith: &events))
        events.removeAll()
        channel.signalSource()
        #expect(channel.release(into: &events, starts: &starts, wantsLoop: false))
        channel.clearSignals()
        #expect(!channel.release(into: &events, starts: &starts, wantsLoop: false))
    }

    @Test func noWorkerDrivesAfterAStop() {
        let channel = Channel()
        var events: [Event] = []
        var starts: [Channel.Start] = []
        #expect(channel.finish(finished(1), drivingWith: &events))
        channel.stop(releasingRole: true)
        #expect(channel.isStopped)
        var late: [Event] = []
        #expect(!channel.finish(finished(2), drivingWith: &late))
        #expect(late.isEmpty)
        let loopTurn = channel.tryTakeRole(into: &events, starts: &starts, releasing: false)
        #expect(loopTurn?.isStopped == true)
    }
}
