import Foundation
import LedgerFakes
import LedgerProviders
import LedgerTesting
import Testing

/// The Python in docs/http-api.md ("Notifications to your app"), run as an
/// app would run it, checks what the ledger's notifier really sends: it
/// accepts a real notification and refuses an altered body, another secret
/// and a stale timestamp. The document's code is read from it, so the two
/// cannot drift apart.
@Suite struct NotificationSignatureDocTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// The first ```python block after `heading` in `document`.
    static func pythonBlock(in document: String, after heading: String) -> String? {
        guard let section = document.range(of: heading),
              let start = document.range(of: "```python\n", range: section.upperBound..<document.endIndex),
              let end = document.range(of: "\n```", range: start.upperBound..<document.endIndex) else { return nil }
        return String(document[start.upperBound..<end.lowerBound])
    }

    @Test func theDocumentedCheckAcceptsARealNotificationAndRefusesAlteredOnes() async throws {
        let document = try String(contentsOfFile: Self.repository + "/docs/http-api.md", encoding: .utf8)
        let verify = try #require(Self.pythonBlock(in: document, after: "## Notifications to your app"))
        try await Harness.run { h in
            _ = try await h.submitJobs(1)
            h.provider.finish("pred_0", succeeded: true)
            #expect(try await h.deliverWebhooks("pred_0").allSatisfy { $0 == .ok })
            for _ in 0..<3 { _ = try await h.notifier.runOnce(); h.advance(minutes: 1) }
            let delivery = try #require(h.app.accepted.first)
            // The harness's clock is not the machine's: the signature is checked with
            // a tolerance that takes any time, then a stale timestamp with the documented one.
            let script = verify + """

                import json, sys
                case = json.load(sys.stdin)
                headers = {"webhook-id": case["id"], "webhook-timestamp": case["timestamp"], "webhook-signature": case["signature"]}
                print(verify(case["secret"], headers, case["body"].encode(), case["tolerance"]))
                """
            func check(_ body: String, secret: String = h.app.secret, timestamp: String? = nil, signature: String? = nil,
                       tolerance: Int64 = 1 << 40) throws -> String {
                let input: [String: Any] = ["id": delivery.webhookID, "timestamp": timestamp ?? delivery.timestamp,
                                            "signature": signature ?? delivery.signature, "secret": secret, "body": body, "tolerance": tolerance]
                let result = try Spawn.run("/usr/bin/python3", ["-c", script], input: try JSONSerialization.data(withJSONObject: input),
                                           timeoutSeconds: 30)
                #expect(result.status == 0, "\(result.errorOutput)")
                return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            #expect(try check(delivery.body) == "True", "a real notification: \(delivery)")
            #expect(try check(delivery.body.replacingOccurrences(of: "completed", with: "failed")) == "False")
            #expect(try check(delivery.body, secret: "whsec_" + Data("another-secret-0123456789".utf8).base64EncodedString()) == "False")
            // Signed as the ledger would have signed it 301 s ago: only the time check refuses it.
            let stale = String(Int64(Date().timeIntervalSince1970) - 301)
            let signer = try StandardWebhookVerifier(secret: h.app.secret)
            let staleSignature = "v1," + (try #require(signer.sign(id: delivery.webhookID, timestamp: stale, body: Data(delivery.body.utf8))))
                .base64EncodedString()
            #expect(try check(delivery.body, timestamp: stale, signature: staleSignature) == "True", "the signature alone holds")
            #expect(try check(delivery.body, timestamp: stale, signature: staleSignature, tolerance: 300) == "False",
                    "a replay past five minutes")
        }
    }

    /// A notification secret being rotated (`old new`) signs each notification
    /// with both: an app still holding the old secret and one already holding
    /// the new one each verify it, with the documented check.
    @Test func aRotatingSecretSignsWithEachValue() async throws {
        let document = try String(contentsOfFile: Self.repository + "/docs/http-api.md", encoding: .utf8)
        let verify = try #require(Self.pythonBlock(in: document, after: "## Notifications to your app"))
        let newSecret = "whsec_" + Data("the-new-app-secret-0123456789".utf8).base64EncodedString()
        let oldSecret = FakeApp().secret
        try await Harness.run(notifySecret: oldSecret + " " + newSecret) { h in
            _ = try await h.submitJobs(1)
            h.provider.finish("pred_0", succeeded: true)
            #expect(try await h.deliverWebhooks("pred_0").allSatisfy { $0 == .ok })
            for _ in 0..<3 { _ = try await h.notifier.runOnce(); h.advance(minutes: 1) }
            let delivery = try #require(h.app.accepted.first, "the app holding the old secret took it")
            #expect(delivery.signature.split(separator: " ").count == 2, "\(delivery.signature)")
            let script = verify + """

                import json, sys
                case = json.load(sys.stdin)
                headers = {"webhook-id": case["id"], "webhook-timestamp": case["timestamp"], "webhook-signature": case["signature"]}
                print(verify(case["secret"], headers, case["body"].encode(), 1 << 40))
                """
            func verifies(with secret: String) throws -> Bool {
                let input = ["id": delivery.webhookID, "timestamp": delivery.timestamp, "signature": delivery.signature,
                             "secret": secret, "body": delivery.body]
                let result = try Spawn.run("/usr/bin/python3", ["-c", script], input: try JSONSerialization.data(withJSONObject: input),
                                           timeoutSeconds: 30)
                #expect(result.status == 0, "\(result.errorOutput)")
                return result.output.trimmingCharacters(in: .whitespacesAndNewlines) == "True"
            }
            #expect(try verifies(with: oldSecret))
            #expect(try verifies(with: newSecret), "an app already switched to the new secret")
            #expect(try !verifies(with: "whsec_" + Data("a-third-secret-0123456789".utf8).base64EncodedString()))
        }
    }
}
