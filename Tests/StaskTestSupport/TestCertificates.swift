import Foundation
import StaskCore
import StaskPosix

/// A certificate authority made for one test server with `openssl`, and the server certificate it signed for
/// 127.0.0.1: what the `https://` cache tests serve nginx with, and trust through `STASK_REMOTE_CACHE_CA_FILE`.
///
/// Files, in the directory given: `ca.pem` (the CA's certificate), `server.pem` and `server.key` (EC P-256,
/// valid two days, for `IP:127.0.0.1` and `DNS:localhost`).
package enum TestCertificates {
    /// Makes the files in `directory`. openssl runs under stask's own `PosixProcessLauncher`, so that it inherits
    /// none of the test process's descriptors (a script another test is writing stays free to run).
    ///
    /// - Throws: `HarnessError` when openssl fails (its output included), or takes more than 30 s.
    package static func make(in directory: String) async throws {
        let script = """
            set -e
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \\
              -subj '/CN=stask test CA' -keyout ca.key -out ca.pem \\
              -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
            openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj '/CN=127.0.0.1' \\
              -keyout server.key -out server.csr
            printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nextendedKeyUsage=serverAuth\\n' > server.ext
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \\
              -extfile server.ext -out server.pem
            """
        let result = try await PosixProcessLauncher().run(
            ProcessSpec(
                arguments: ["/bin/sh", "-c", script], environment: ProcessInfo.processInfo.environment,
                workingDirectory: directory, timeout: .seconds(30)))
        guard result.termination.isSuccess else {
            throw HarnessError(
                "openssl could not make the test certificates (\(result.termination)): "
                    + String(decoding: result.output, as: UTF8.self))
        }
    }
}
