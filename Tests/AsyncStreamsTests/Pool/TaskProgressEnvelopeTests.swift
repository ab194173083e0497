import Testing

@testable import AsyncStreams

@Suite struct TaskProgressEnvelopeTests {
    @Test func kindNameIsOneWordPerKind() {
        #expect(
            TaskProgressEnvelope<Int, String>(taskID: 1, key: nil, kind: .intermediate(3)).kindName == "intermediate")
        #expect(TaskProgressEnvelope<Int, String>(taskID: 1, key: nil, kind: .final("x")).kindName == "final")
        #expect(
            TaskProgressEnvelope<Int, String>(taskID: 1, key: nil, kind: .error(TestFailure(name: "e"))).kindName
                == "error")
    }

    @Test func valueIsTheProgressOrTheOutputTypedWhenBothAreOneType() {
        let progress = TaskProgressEnvelope<String, String>(taskID: 1, key: "a", kind: .intermediate("25%"))
        let output = TaskProgressEnvelope<String, String>(taskID: 1, key: "a", kind: .final("done"))
        let failure = TaskProgressEnvelope<String, String>(taskID: 1, key: "a", kind: .error(TestFailure(name: "e")))
        let forwarded: [String] = [progress, output, failure].compactMap(\.value)
        #expect(forwarded == ["25%", "done"])
    }

    @Test func valueIsAnySendableWhenProgressAndOutputDiffer() {
        let progress = TaskProgressEnvelope<Int, String>(taskID: 1, key: nil, kind: .intermediate(25))
        let output = TaskProgressEnvelope<Int, String>(taskID: 1, key: nil, kind: .final("done"))
        let failure = TaskProgressEnvelope<Int, String>(taskID: 1, key: nil, kind: .error(TestFailure(name: "e")))
        #expect(progress.value as? Int == 25)
        #expect(output.value as? String == "done")
        #expect(failure.value == nil)
    }

    @Test func descriptionNamesTaskKeyKindAndPayload() {
        #expect(
            String(describing: TaskProgressEnvelope<Int, Int>(taskID: 3, key: "parse", kind: .final(42)))
                == "task 3 'parse' final: 42")
        #expect(
            String(describing: TaskProgressEnvelope<Int, Int>(taskID: 4, key: nil, kind: .intermediate(1)))
                == "task 4 intermediate: 1")
        #expect(
            String(
                describing: TaskProgressEnvelope<Int, Int>(taskID: 5, key: "x", kind: .error(TestFailure(name: "e"))))
                == "task 5 'x' error: test failure 'e'")
    }
}
