import Foundation
import Hummingbird
import LedgerFakes

// fake-peers: a fake provider and a fake app on loopback, for trying the
// ledger's background work by hand. Loopback only, by design.
//
//   swift run fake-peers [--port 9100] [--provider-mode drop] [--app-mode down] \
//       [--ledger http://127.0.0.1:8080/v1/webhooks/replicate]
//
// Provider: POST /v1/predictions (succeeds after 1 s, then sends its webhooks,
// signed with the printed secret, to --ledger by mode), GET /v1/predictions/{id},
// HEAD /outputs/{id}. App: POST /hooks (verifies the ledger's signature).
var port = 9100
var providerMode = FakeProvider.Mode.normal
var appMode = FakeApp.Mode.up
var ledgerURL: String?
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let flag = arguments.next() {
    let value = arguments.next() ?? ""
    switch flag {
    case "--port": port = Int(value) ?? port
    case "--provider-mode": providerMode = FakeProvider.Mode(rawValue: value) ?? providerMode
    case "--app-mode": appMode = FakeApp.Mode(rawValue: value) ?? appMode
    case "--ledger": ledgerURL = value
    default:
        FileHandle.standardError.write(Data("usage: fake-peers [--port N] [--provider-mode \(FakeProvider.Mode.allCases.map(\.rawValue).joined(separator: "|"))] [--app-mode \(FakeApp.Mode.allCases.map(\.rawValue).joined(separator: "|"))] [--ledger URL]\n".utf8))
        exit(2)
    }
}
let provider = FakeProvider(sending: ledgerURL.map { FakeProvider.Sending(webhookURL: $0) })
provider.mode = providerMode
let app = FakeApp()
app.mode = appMode
let router = Router()
provider.add(to: router)
app.add(to: router)
print("fake-peers on http://127.0.0.1:\(port): provider \(providerMode.rawValue) (secret \(provider.secret)), app \(appMode.rawValue) (secret \(app.secret))")
try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port))).runService()
