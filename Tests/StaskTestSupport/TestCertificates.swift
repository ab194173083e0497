import Foundation

/// A certificate authority made for one test server with `openssl`, and the server certificate it signed for
/// 127.0.0.1: what the `https://` cache tests serve nginx with, and trust through `STASK_REMOTE_CACHE_CA_FILE`.
///
/// Files, in the directory given: `ca.pem` (the CA's certificate), `server.pem` and `server.key` (EC P-256,
/// valid two days, for `IP:127.0.0.1` and `DNS:localhost`).
package enum TestCertificates {
    /// Makes the files in `directory`; blocks until openssl is done, so call it off the cooperative pool.
    ///
    /// - Throws: `HarnessError` when openssl fails (its message included).
    package static func make(in directory: String) throws {
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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw HarnessError(
                "openssl could not make the test certificates (status \(process.terminationStatus)): "
                    + String(decoding: message, as: UTF8.self))
        }
    }
}
