import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LedgerHTTP
import LedgerProviders
import LedgerStore
import LedgerTesting
import Testing

/// The other half of the parser fuzzing: a valid body with fuzzed
/// authentication for every provider — the Standard Webhooks headers
/// (webhook-id, -timestamp, -signature, each mutated, dropped or repeated)
/// and the query-string token. No crash, no 5xx; a request that cannot be
/// authentic is refused (a token is accepted exactly when the first `token`
/// parameter decodes to the secret); a refusal is 400 or 401 and changes
/// nothing; what is accepted leaves a log that verifies. Over the router, not
/// a socket: NIO's own header parsing is not fuzzed here (HostileInputTests).
@Suite struct ProviderHeaderFuzzTests {
    static let attempts = 250

    @Test(arguments: ["standard", "replicate"])
    func fuzzedSignatureHeadersNeverCrashAndRefusalsChangeNothing(_ provider: String) async throws {
        let body = ProviderFuzzTests.seeds.first { $0.provider == provider }!.body
        let names = ["webhook-id", "webhook-timestamp", "webhook-signature", "content-type"].map { HTTPField.Name($0)! }
        try await Self.fuzz(provider) { attempt, generator in
            let id = "msg_header_fuzz_\(attempt)"
            var headers = try WebhookRoutesTests.signed(body, id: id)
            let name = names.randomElement(using: &generator)!
            let original = headers[name] ?? ""
            let mutated = ByteMutator.mutate(Array(original.utf8), using: &generator)
            let value = HTTPField(name: name, lenientValue: mutated).value.trimmingCharacters(in: .whitespaces)
            let forged: Bool
            switch Int.random(in: 0..<6, using: &generator) {
            case 0:
                headers[name] = nil
                forged = name != .contentType
            case 1:
                headers.append(HTTPField(name: name, lenientValue: mutated))  // twice: read as one value joined by ", "
                forged = name != .contentType
            default:
                headers[fields: name] = [HTTPField(name: name, lenientValue: mutated)]
                forged = name == .contentType ? false
                    : name.rawName == "webhook-signature" ? !Self.carries(value, signatureOf: original)
                    : value != original
            }
            return Attempt(uri: "/v1/webhooks/\(provider)", headers: headers, body: body, forged: forged)
        }
    }

    @Test(arguments: ["wavespeed", "nca"])
    func fuzzedQueryTokensNeverCrashAndRefusalsChangeNothing(_ provider: String) async throws {
        let body = ProviderFuzzTests.seeds.first { $0.provider == provider }!.body
        try await Self.fuzz(provider) { attempt, generator in
            // Distinct bodies, so an accepted one is a new delivery (token providers key on the body's digest).
            let unique = body.replacingOccurrences(of: "}", with: #","fuzz":\#(attempt)}"#)
            let token = ByteMutator.mutate(Array(ProviderFuzzTests.token.utf8), using: &generator)
            let real = ProviderFuzzTests.token
            let query: String
            switch Int.random(in: 0..<5, using: &generator) {
            case 0: query = ""
            case 1: query = "?token=" + Self.percentEncoded(token) + "&token=" + real  // the first one counts
            case 2: query = "?" + Self.printable(ByteMutator.mutate(Array("token=\(real)".utf8), using: &generator))
            case 3: query = "?token=" + Self.percentEncoded(token)
            default: query = "?token=" + real  // the control: this one must pass
            }
            let first = query.dropFirst().split(separator: "&").first { $0.hasPrefix("token=") }
            let forged = first.map { $0.dropFirst(6).removingPercentEncoding != real } ?? true
            return Attempt(uri: "/v1/webhooks/\(provider)" + query, headers: [.contentType: "application/json"], body: unique,
                           forged: forged, genuine: !forged)
        }
    }

    struct Attempt {
        var uri: String
        var headers: HTTPFields
        var body: String
        /// True when the request cannot be authentic: it must be refused.
        var forged: Bool
        /// True when it is authentic for certain: it must be accepted.
        var genuine = false
    }

    /// True when one of the space-separated entries of `header` is a `v1`
    /// signature with the same bytes as `original`'s (several signatures per
    /// header are allowed, and base64 may spell the same bytes differently).
    static func carries(_ header: String, signatureOf original: String) -> Bool {
        let bytes = Data(base64Encoded: String(original.dropFirst(3)))
        return header.split(separator: " ").contains { entry in
            entry.hasPrefix("v1,") && Data(base64Encoded: String(entry.dropFirst(3))) == bytes
        }
    }

    /// Sends `attempts` requests made by `request` to a server with every provider configured.
    static func fuzz(_ provider: String,
                     _ request: (Int, inout SeededGenerator) throws -> Attempt) async throws {
        let (store, services) = try await ProviderFuzzTests.ledger(expecting: provider)
        var generator = SeededGenerator(seed: UInt64(provider.utf8.reduce(0) { $0 &* 31 &+ UInt64($1) }))
        let requests = try (0..<attempts).map { try request($0, &generator) }
        let (accepted, refused) = try await Application(router: buildRouter(services)).test(.router) { client in
            var accepted = 0, refused = 0
            for attempt in requests {
                let before = try await store.head()
                let status = try await client.execute(uri: attempt.uri, method: .post, headers: attempt.headers,
                                                      body: ByteBuffer(string: attempt.body)) { $0.status }
                #expect(status.code < 500, "\(provider): \(status) for \(attempt)")
                #expect(status != .ok || !attempt.forged, "\(provider): a forged request was accepted: \(attempt)")
                #expect(status == .ok || !attempt.genuine, "\(provider): a genuine request was refused: \(attempt)")
                if status == .ok {
                    accepted += 1
                } else {
                    refused += 1
                    #expect(status == .unauthorized || status == .badRequest, "\(provider): \(status) for \(attempt)")
                    #expect(try await store.head() == before, "a refused request changed the log")
                }
            }
            return (accepted, refused)
        }
        #expect(refused > attempts / 2 && accepted > 0, "\(provider): both answers reached (\(accepted) accepted, \(refused) refused)")
        #expect(try await store.verify().isSound)
        #expect(try await store.rebuildCheck().differences.isEmpty)
    }

    /// Every byte outside the unreserved set as %XX: the server decodes exactly `bytes`.
    static func percentEncoded(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            let unreserved = (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || "-._~".utf8.contains(byte)
            return unreserved ? String(UnicodeScalar(byte)) : String(format: "%%%02X", byte)
        }.joined()
    }

    /// The bytes that may stand raw in a query (printable ASCII but space and '#'); others as %XX.
    static func printable(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            (0x21...0x7E).contains(byte) && byte != UInt8(ascii: "#") ? String(UnicodeScalar(byte)) : String(format: "%%%02X", byte)
        }.joined()
    }
}
