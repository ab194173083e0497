import Testing

@testable import AsyncStreams

/// The debug-build check that only the holder of a pool channel's driver role touches the run's books.
///
/// Release builds do not track the holder, so these tests only run in debug builds.
@Suite(.timeLimit(.minutes(1))) struct DriverRoleOwnerTests {
    typealias Channel = PoolEventChannel<Int, String>
    typealias Loop = ScheduledPoolLoop<FakeTaskSource<ScheduledTask<Int, String>>, Int, String>

    #if DEBUG
        @Test func nobodyHoldsTheRoleOfAFreshChannel() {
            let channel = Channel()
            #expect(!channel.isDrivenByCurrentTask)
            var owner = DriverRoleOwner()
            #expect(!owner.isCurrentTask)
            owner.claim()
            #expect(owner.isCurrentTask)
            owner.relinquish()
            #expect(!owner.isCurrentTask)
        }

        @Test func theRoleAndTheBooksPassFromTheLoopToAWorkerAndBack() async {
            let channel = Channel()
            let book = Loop.Book(channel: channel)
            var events: [PoolEvent<Int, String>] = []
            var starts: [Channel.Start] = []

            // The loop drives first.
            channel.beginDriving()
            #expect(channel.isDrivenByCurrentTask)
            book.nextTaskID = 2
            // It parks with nothing to do: the role is free.
            #expect(channel.tryTakeRole(into: &events, starts: &starts, releasing: true) == nil)
            #expect(!channel.isDrivenByCurrentTask)

            // A worker, on its own task, finishes its task and takes the role.
            let workerSawTheRole = await Task {
                var drained: [PoolEvent<Int, String>] = []
                var none: [Channel.Start] = []
                guard channel.finish(.finished(taskID: 1, .success("one")), drivingWith: &drained) else { return false }
                let drives = channel.isDrivenByCurrentTask
                book.nextTaskID += 1
                book.envelopes.append(TaskProgressEnvelope(taskID: 1, key: "one", kind: .final("one")))
                // Nothing in flight: the worker lets go and asks the loop to look.
                #expect(!channel.release(into: &drained, starts: &none, wantsLoop: true))
                return drives && !channel.isDrivenByCurrentTask
            }.value
            #expect(workerSawTheRole)
            #expect(!channel.isDrivenByCurrentTask, "the worker held the role, not the loop")

            // The loop takes the role back and sees what the worker wrote.
            #expect(channel.tryTakeRole(into: &events, starts: &starts, releasing: false) != nil)
            #expect(channel.isDrivenByCurrentTask)
            #expect(book.nextTaskID == 3)
            #expect(book.envelopes.map(\.taskID) == [1])
        }

        @Test func aStoppingWorkerLetsTheRoleGo() async {
            let channel = Channel()
            let stopped = await Task {
                var drained: [PoolEvent<Int, String>] = []
                guard channel.finish(.finished(taskID: 1, .success("one")), drivingWith: &drained) else { return false }
                channel.stop(releasingRole: true)
                return !channel.isDrivenByCurrentTask
            }.value
            #expect(stopped)
            #expect(!channel.isDrivenByCurrentTask)
        }

        @Test func touchingTheBooksWithoutTheRoleTraps() async {
            await #expect(processExitsWith: .failure) {
                let channel = PoolEventChannel<Int, String>()
                let book = ScheduledPoolLoop<FakeTaskSource<ScheduledTask<Int, String>>, Int, String>.Book(
                    channel: channel)
                book.nextTaskID += 1
            }
        }
    #endif
}
