#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The system's OpenSSL `libcrypto`, loaded with `dlopen` the first time a remote cache needs SHA-256.
///
/// Why neither of the two obvious choices (measured on this 2-core machine, under the usual load):
/// - `swift-crypto` (product `Crypto`) adds 460 build steps, 90 s of CPU and 4 minutes of wall time to a
///   clean debug build, for one hash function.
/// - Linking `libcrypto.so.3` into `stask` (a `.systemLibrary` target with `link "crypto"`) makes the
///   dynamic loader map and relocate it at every start: 1.5–2.5 ms more per process, paid by every no-op
///   build, with or without a remote cache.
///
/// Loading it on demand costs nothing to builds without a remote cache and needs no headers or
/// `pkg-config` at build time. Only the six EVP functions below are used; they exist with these
/// signatures in OpenSSL 1.1 and 3.x. When no library is found, SHA-256 is unavailable and the remote
/// cache turns itself off with one warning (the build goes on locally).
struct LibCrypto: Sendable {
    typealias NewContext = @convention(c) () -> OpaquePointer?
    typealias FreeContext = @convention(c) (OpaquePointer?) -> Void
    typealias Algorithm = @convention(c) () -> OpaquePointer?
    typealias DigestInit = @convention(c) (OpaquePointer?, OpaquePointer?, OpaquePointer?) -> Int32
    typealias DigestUpdate = @convention(c) (OpaquePointer?, UnsafeRawPointer?, Int) -> Int32
    typealias DigestFinal =
        @convention(c) (OpaquePointer?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt32>?) -> Int32

    let newContext: NewContext
    let freeContext: FreeContext
    let sha256: Algorithm
    let digestInit: DigestInit
    let digestUpdate: DigestUpdate
    let digestFinal: DigestFinal

    /// The names tried, in order: the OpenSSL 3 and 1.1 sonames, the development symlink, Homebrew's.
    static let candidates = [
        "libcrypto.so.3", "libcrypto.so.1.1", "libcrypto.so",
        "/opt/homebrew/opt/openssl@3/lib/libcrypto.3.dylib", "/usr/local/opt/openssl@3/lib/libcrypto.3.dylib",
    ]

    /// The library, loaded once per process (`nil` when no candidate loads or a symbol is missing).
    static let shared: LibCrypto? = load()

    private static func load() -> LibCrypto? {
        for name in candidates {
            // RTLD_LOCAL keeps its symbols out of the global namespace; the handle is never closed.
            guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) else { continue }
            if let library = LibCrypto(handle: handle) { return library }
            dlclose(handle)
        }
        return nil
    }

    private init?(handle: UnsafeMutableRawPointer) {
        func symbol<Function>(_ name: String, as: Function.Type) -> Function? {
            guard let address = dlsym(handle, name) else { return nil }
            return unsafeBitCast(address, to: Function.self)
        }
        guard let newContext = symbol("EVP_MD_CTX_new", as: NewContext.self),
            let freeContext = symbol("EVP_MD_CTX_free", as: FreeContext.self),
            let sha256 = symbol("EVP_sha256", as: Algorithm.self),
            let digestInit = symbol("EVP_DigestInit_ex", as: DigestInit.self),
            let digestUpdate = symbol("EVP_DigestUpdate", as: DigestUpdate.self),
            let digestFinal = symbol("EVP_DigestFinal_ex", as: DigestFinal.self)
        else { return nil }
        self.newContext = newContext
        self.freeContext = freeContext
        self.sha256 = sha256
        self.digestInit = digestInit
        self.digestUpdate = digestUpdate
        self.digestFinal = digestFinal
    }
}
