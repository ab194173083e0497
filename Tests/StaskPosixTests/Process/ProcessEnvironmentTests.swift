import Foundation
import Testing

@testable import StaskPosix

@Suite struct ProcessEnvironmentTests {
    /// The byte reader agrees with Foundation's on this process's whole environment, including a value that
    /// holds `=`, an empty value and UTF-8 beyond ASCII.
    @Test func readsWhatFoundationReads() {
        setenv("STASK_ENVIRONMENT_TEST_EQUALS", "a=b=c", 1)
        setenv("STASK_ENVIRONMENT_TEST_EMPTY", "", 1)
        setenv("STASK_ENVIRONMENT_TEST_UTF8", "žluťoučký kůň", 1)
        let current = ProcessEnvironment.current()
        #expect(current == ProcessInfo.processInfo.environment)
        #expect(current["STASK_ENVIRONMENT_TEST_EQUALS"] == "a=b=c")
        #expect(current["STASK_ENVIRONMENT_TEST_EMPTY"] == "")
        #expect(current["STASK_ENVIRONMENT_TEST_UTF8"] == "žluťoučký kůň")
    }

    @Test func readsOneVariable() {
        setenv("STASK_ENVIRONMENT_TEST_ONE", "value", 1)
        #expect(ProcessEnvironment.value("STASK_ENVIRONMENT_TEST_ONE") == "value")
        #expect(ProcessEnvironment.value("STASK_ENVIRONMENT_TEST_UNSET_NAME") == nil)
    }
}
