import GRPCCore
import Testing

@testable import StaskREAPI
@testable import StaskRemote

@Suite struct REAPIFailureTests {
    @Test(arguments: [RPCError.Code.unavailable, .deadlineExceeded])
    func aServerThatCannotBeReachedOrDoesNotAnswerIsUnreachable(_ code: RPCError.Code) {
        let failure = REAPIFailure(RPCError(code: code, message: "no"), call: "GetActionResult")
        #expect(failure == .unreachable("GetActionResult failed (\(code): no)"))
    }

    @Test(arguments: [RPCError.Code.permissionDenied, .unauthenticated, .invalidArgument, .internalError, .notFound])
    func otherStatusesAreServerErrors(_ code: RPCError.Code) {
        guard case .serverError(let message) = REAPIFailure(RPCError(code: code, message: ""), call: "Update")
        else {
            Issue.record("\(code) is not a server error")
            return
        }
        #expect(message == "Update failed (\(code))")
    }

    @Test func cancellationIsSilent() {
        #expect(REAPIFailure(RPCError(code: .cancelled, message: ""), call: "x") == .cancelled)
    }

    @Test func aBatchLimitLeavesRoomForTheMessageAroundTheBlobs() {
        #expect(ContentStore.batchLimit(serverLimit: 4 << 20) == (4 << 20) - (64 << 10))
        #expect(ContentStore.batchLimit(serverLimit: 0) == (4 << 20) - (64 << 10))
        #expect(ContentStore.batchLimit(serverLimit: 1 << 40) == REAPIConnection.maximumResponseSize - (1 << 20))
    }
}
