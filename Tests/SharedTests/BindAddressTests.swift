//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Testing

@Suite("Bind addresses")
struct BindAddressTests {
    @Test(
        "valid addresses",
        arguments: [
            ("127.0.0.1:8000", BindAddress(.tcp(host: "127.0.0.1", port: 8000))),
            ("0.0.0.0:80", BindAddress(.tcp(host: "0.0.0.0", port: 80))),
            (":8080", BindAddress(.tcp(host: "0.0.0.0", port: 8080))),
            ("localhost", BindAddress(.tcp(host: "localhost", port: 8000))),
            ("[::]:8000", BindAddress(.tcp(host: "::", port: 8000))),
            ("[::1]", BindAddress(.tcp(host: "::1", port: 8000))),
            ("127.0.0.1:0", BindAddress(.tcp(host: "127.0.0.1", port: 0))),
            ("unix:/run/app.sock", BindAddress(.unix(path: "/run/app.sock"))),
            ("unix:///run/app.sock", BindAddress(.unix(path: "/run/app.sock"))),
            ("fd://http", BindAddress(.inherited(name: "http"))),
            ("http=0.0.0.0:80", BindAddress(.tcp(host: "0.0.0.0", port: 80), name: "http")),
            ("admin=unix:/run/admin.sock", BindAddress(.unix(path: "/run/admin.sock"), name: "admin")),
        ]
    )
    func valid(text: String, expected: BindAddress) throws {
        #expect(try BindAddress(parsing: text) == expected)
    }

    @Test(
        "invalid addresses name the culprit",
        arguments: [
            ("[::1", "bind '[::1': missing ']' after the IPv6 address"),
            ("::1:80", "write IPv6 addresses in brackets"),
            ("127.0.0.1:abc", "port 'abc' is not a number from 0 to 65535"),
            ("127.0.0.1:70000", "port '70000' is not a number from 0 to 65535"),
            ("unix:", "empty Unix socket path"),
            ("fd://", "expected fd://NAME"),
            ("bad name=1.2.3.4:80", "invalid name 'bad name'"),
            ("", "empty address"),
            ("host name:80", "invalid host 'host name'"),
            ("[127.0.0.1]:80", "is not an IPv6 address"),
        ]
    )
    func invalid(text: String, message: String) {
        #expect {
            try BindAddress(parsing: text)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test("a Unix path too long for sun_path is refused")
    func longPath() {
        #expect(throws: ConfigurationError.self) {
            try BindAddress(parsing: "unix:/" + String(repeating: "a", count: 120))
        }
    }

    @Test("description round-trips")
    func description() throws {
        for text in ["127.0.0.1:8000", "[::1]:9000", "unix:/tmp/x.sock", "fd://web"] {
            #expect(try BindAddress(parsing: text).description == text)
        }
    }
}
