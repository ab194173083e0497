import ArgumentParser
import StaskCore
import StaskPosix
import StaskRemote

/// `stask worker`: runs actions for a Remote Execution API cluster (BuildGrid), as one of its workers.
///
/// The worker speaks gRPC, so it lives in the `stask-remote` helper beside `stask`; this command checks its
/// arguments and replaces itself with the helper (`execv`), so that SIGINT and SIGTERM reach the worker
/// directly.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run actions for a Remote Execution API cluster (a BuildGrid Bots service) as one of its workers.",
        discussion: """
            Takes leases from the server's Bots service and runs up to --capacity actions at once, each in a \
            fresh directory under --work-dir that is removed afterwards. Runs until SIGINT or SIGTERM. \
            Credentials come from STASK_REMOTE_CACHE_TOKEN (or _USER and _PASSWORD).
            """
    )

    @Option(name: .customLong("bots"), help: "The server: grpc://HOST:PORT[/INSTANCE].")
    var bots: String

    @Option(name: .customLong("instance"), help: "The instance name (replaces one given in --bots).")
    var instance: String?

    @Option(name: .customLong("capacity"), help: "How many actions run at once.")
    var capacity: Int = 1

    @Option(name: .customLong("work-dir"), help: "Where actions run (default: a temporary directory).")
    var workDirectory: String?

    func validate() throws {
        guard capacity >= 1 else { throw ValidationError("--capacity must be at least 1") }
        do {
            let endpoint = try RemoteCacheEndpoint(parsing: bots)
            guard endpoint.scheme == .grpc else { throw ValidationError("--bots must be a grpc:// URL") }
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("--bots: \(error)")
        }
    }

    func run() throws {
        let environment = ProcessEnvironment.current()
        guard let helper = HelperLocation.path(environment: environment) else {
            throw UsageError("cannot find '\(HelperLocation.remoteHelperName)': this system has no /proc/self/exe")
        }
        var arguments = ["worker", "--protocol", "\(HelperMessage.version)", "--bots", bots]
        if let instance { arguments += ["--instance", instance] }
        arguments += ["--capacity", "\(capacity)"]
        if let workDirectory { arguments += ["--work-dir", workDirectory] }
        let code = HelperLocation.replaceProcess(with: helper, arguments: arguments)
        throw UsageError(
            "cannot run the worker: '\(helper)': \(ErrorNumber.message(code)) (install \(HelperLocation.remoteHelperName) "
                + "beside stask, or name it in \(HelperLocation.remoteHelperVariable))")
    }
}
