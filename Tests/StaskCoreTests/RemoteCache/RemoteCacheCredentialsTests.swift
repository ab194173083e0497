import Testing

@testable import StaskCore

@Suite struct RemoteCacheCredentialsTests {
    @Test func tokenWinsOverUserAndPassword() {
        let credentials = RemoteCacheCredentials(environment: [
            "STASK_REMOTE_CACHE_TOKEN": "t0k", "STASK_REMOTE_CACHE_USER": "u", "STASK_REMOTE_CACHE_PASSWORD": "p",
        ])
        #expect(credentials == .bearer(token: "t0k"))
        #expect(credentials.authorizationHeader == "Bearer t0k")
    }

    @Test func userAndPasswordMakeBasicAuth() {
        let credentials = RemoteCacheCredentials(environment: [
            "STASK_REMOTE_CACHE_USER": "Aladdin", "STASK_REMOTE_CACHE_PASSWORD": "open sesame",
        ])
        #expect(credentials.authorizationHeader == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
    }

    @Test func emptyOrMissingVariablesMeanNoCredentials() {
        #expect(RemoteCacheCredentials(environment: [:]) == .none)
        #expect(RemoteCacheCredentials(environment: ["STASK_REMOTE_CACHE_TOKEN": ""]) == .none)
        #expect(RemoteCacheCredentials(environment: ["STASK_REMOTE_CACHE_PASSWORD": "p"]) == .none)
        #expect(RemoteCacheCredentials.none.authorizationHeader == nil)
    }

    @Test func secretsNeverAppearInText() {
        let all: [RemoteCacheCredentials] = [.bearer(token: "hunter2"), .basic(user: "ci", password: "hunter2")]
        for credentials in all {
            var dumped = ""
            dump(credentials, to: &dumped)
            for text in ["\(credentials)", String(describing: credentials), String(reflecting: credentials), dumped] {
                #expect(!text.contains("hunter2"), "\(text)")
            }
        }
        #expect("\(RemoteCacheCredentials.basic(user: "ci", password: "x"))" == "basic auth as 'ci'")
    }

    /// RFC 4648 §10.
    @Test(arguments: [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ])
    func base64MatchesTheRFCVectors(input: String, expected: String) {
        #expect(RemoteCacheCredentials.base64(Array(input.utf8)) == expected)
    }
}
