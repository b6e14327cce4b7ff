import Base
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Debian's headless Chromium driven over W3C WebDriver by the `chromedriver` it ships
/// (docs/human-evaluation.md §8): the test starts the driver on a free loopback port with a
/// profile folder of its own, and ``quit()`` ends the session and kills the driver and every
/// browser process of that profile, so a failing test leaves nothing running.
///
/// Every call is plain HTTP/1.1 on a socket with a timeout (Foundation's URLSession on Linux could
/// not read chromedriver's new-session response), run off the cooperative pool.
public final class WebDriver: @unchecked Sendable {
    public static let chromium = "/usr/bin/chromium"
    public static let chromedriver = "/usr/bin/chromedriver"
    public static let installCommand = "sudo apt-get install chromium chromium-driver"

    /// A reference to an element of the current page.
    public struct Element: Sendable {
        public let id: String
        /// The key of an element reference in the wire format.
        static let key = "element-6066-11e4-a52e-4f735466cecf"
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    private let driver: Process
    private let port: Int
    private let profile: URL
    public private(set) var session = ""
    private let lock = NSLock()
    private var quitDone = false

    /// Starts chromedriver and a browser session with a `width`×`height` window. A missing
    /// Chromium or driver fails with the command that installs them.
    public static func start(width: Int = 1280, height: Int = 900) async throws -> WebDriver {
        try await offThread { try WebDriver(width: width, height: height) }
    }

    private init(width: Int, height: Int) throws {
        for program in [Self.chromium, Self.chromedriver] where !FileManager.default.isExecutableFile(atPath: program) {
            throw Failure("\(program) not found: install Chromium and its WebDriver with `\(Self.installCommand)` "
                          + "(`make test` runs scripts/install-deps.sh, which does)")
        }
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("divtune-webdriver-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        port = try Self.freePort()
        driver = Process()
        driver.executableURL = URL(fileURLWithPath: Self.chromedriver)
        driver.arguments = ["--port=\(port)", "--log-path=\(profile.appendingPathComponent("chromedriver.log").path)"]
        driver.standardOutput = FileHandle.nullDevice
        driver.standardError = FileHandle.nullDevice
        try driver.run()
        do {
            try waitUntilReady(seconds: 20)
            let options: [String: Any] = ["binary": Self.chromium, "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--user-data-dir=\(profile.appendingPathComponent("chromium").path)", "--window-size=\(width),\(height)"]]
            let created = try command("POST", "/session", ["capabilities": ["alwaysMatch": ["browserName": "chrome", "goog:chromeOptions": options]]],
                                      timeoutSeconds: 60)
            guard case .string(let id)? = created["sessionId"] else { throw Failure("chromedriver's new session has no sessionId: \(created)") }
            session = id
            try command("POST", "/session/\(id)/timeouts", ["pageLoad": 30_000, "script": 10_000, "implicit": 0])
        } catch {
            quit()
            throw error
        }
    }

    deinit { quit() }

    // MARK: Commands (docs/human-evaluation.md §8 lists the endpoints)

    public func navigate(to url: String) async throws { try await call("POST", "url", ["url": url]) }
    public func refresh() async throws { try await call("POST", "refresh", [:]) }
    public func title() async throws -> String { try await string(call("GET", "title")) }
    public func currentURL() async throws -> String { try await string(call("GET", "url")) }
    public func source() async throws -> String { try await string(call("GET", "source")) }

    /// The first element matching the CSS selector (an error naming it when there is none).
    public func find(_ css: String) async throws -> Element {
        try element(await call("POST", "element", ["using": "css selector", "value": css]), css)
    }

    /// Every element matching the CSS selector (possibly none).
    public func findAll(_ css: String) async throws -> [Element] {
        guard case .array(let list) = try await call("POST", "elements", ["using": "css selector", "value": css]) else { return [] }
        return try list.map { try element($0, css) }
    }

    public func click(_ element: Element) async throws { try await call("POST", "element/\(element.id)/click", [:]) }
    public func click(_ css: String) async throws { try await click(find(css)) }
    public func sendKeys(_ text: String, to element: Element) async throws { try await call("POST", "element/\(element.id)/value", ["text": text]) }
    public func text(_ element: Element) async throws -> String { try await string(call("GET", "element/\(element.id)/text")) }
    public func text(_ css: String) async throws -> String { try await text(find(css)) }

    /// Runs `script` as a function body in the page (`arguments[i]` are `args`); its return value.
    @discardableResult
    public func execute(_ script: String, _ args: [Any] = []) async throws -> JSONValue {
        try await call("POST", "execute/sync", ["script": script, "args": args])
    }

    /// The viewport as a PNG.
    public func screenshot() async throws -> Data {
        let text = try await string(call("GET", "screenshot"))
        guard let png = Data(base64Encoded: text), png.starts(with: [0x89, 0x50, 0x4E, 0x47]) else {
            throw Failure("the screenshot is not a base64 PNG (\(text.prefix(40))…)")
        }
        return png
    }

    /// Polls `script` (a function body) until it returns true; an error with `what` and the page's
    /// text when `seconds` pass first (WebDriver has no implicit waits by default). The script runs
    /// once more after the deadline: on a busy machine the poll itself may wake only after it.
    public func waitUntil(_ what: String, seconds: Double = 20, script: String, _ args: [Any] = []) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let late = Date() >= deadline
            if try await execute(script, args) == .bool(true) { return }
            if late { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        let text = (try? await execute("return document.body ? document.body.innerText : ''")).flatMap { value -> String? in
            if case .string(let s) = value { return s } else { return nil }
        } ?? ""
        throw Failure("waited \(seconds) s for \(what); the page shows: \(text.prefix(600))")
    }

    /// Waits until the page's text contains `text` (after a click that loads a new page, say).
    public func waitForText(_ text: String, seconds: Double = 20) async throws {
        try await waitUntil("a page showing \"\(text)\"", seconds: seconds,
                            script: "return !!document.body && document.body.innerText.indexOf(arguments[0]) >= 0", [text])
    }

    /// Ends the session and kills the driver and this profile's browser processes (idempotent).
    public func quit() {
        lock.lock()
        defer { lock.unlock() }
        guard !quitDone else { return }
        quitDone = true
        if !session.isEmpty { _ = try? command("DELETE", "/session/\(session)", nil, timeoutSeconds: 10) }
        if driver.isRunning {
            kill(driver.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(3)
            while driver.isRunning && Date() < deadline { usleep(20_000) }
            if driver.isRunning { kill(driver.processIdentifier, SIGKILL) }
        }
        for pid in Self.processes(mentioning: profile.path) { kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(at: profile)
    }

    // MARK: Wire

    @discardableResult
    private func call(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> JSONValue {
        let session = session
        return try await offThread { try self.command(method, "/session/\(session)/\(path)", body) }
    }

    /// One WebDriver command and its `value`; a WebDriver error names the command.
    @discardableResult
    private func command(_ method: String, _ path: String, _ body: [String: Any]?, timeoutSeconds: Int = 40) throws -> JSONValue {
        let payload = try body.map { try JSONSerialization.data(withJSONObject: $0) }
        let client = RawHTTPClient(port: port, timeoutSeconds: timeoutSeconds)
        let response = try client.exchange(client.request(method: method, path: path, body: payload ?? (method == "POST" ? Data("{}".utf8) : nil)))
        let value: JSONValue
        do { value = try JSONValue.parse(response.body)["value"] ?? .null } catch {
            throw Failure("WebDriver \(method) \(path): HTTP \(response.status), not JSON: \(response.text.prefix(300))")
        }
        if case .string(let code)? = value["error"] {
            var message = ""
            if case .string(let m)? = value["message"] { message = m }
            throw Failure("WebDriver \(method) \(path): \(code): \(message.prefix(500))")
        }
        return value
    }

    private func element(_ value: JSONValue, _ css: String) throws -> Element {
        guard case .string(let id)? = value[Element.key] else { throw Failure("no element reference for \(css): \(value)") }
        return Element(id: id)
    }

    private func string(_ value: JSONValue) throws -> String {
        guard case .string(let s) = value else { throw Failure("expected a string from WebDriver, got \(value.typeName)") }
        return s
    }

    private func waitUntilReady(seconds: Double) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            guard driver.isRunning else { throw Failure("chromedriver exited (status \(driver.terminationStatus)): \(logTail())") }
            if let status = try? command("GET", "/status", nil, timeoutSeconds: 2), status["ready"] == .bool(true) { return }
            usleep(100_000)
        }
        throw Failure("chromedriver on port \(port) was not ready within \(seconds) s: \(logTail())")
    }

    private func logTail() -> String {
        let log = (try? String(contentsOf: profile.appendingPathComponent("chromedriver.log"), encoding: .utf8)) ?? ""
        return String(log.suffix(800))
    }

    /// A loopback port nobody listens on now (the kernel's pick for a socket bound to port 0).
    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket() failed: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw Failure("cannot bind a loopback port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Processes whose command line mentions `text` (this driver's browser and its helpers).
    private static func processes(mentioning text: String) -> [pid_t] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { name -> pid_t? in
            guard let pid = pid_t(name), let data = FileManager.default.contents(atPath: "/proc/\(name)/cmdline") else { return nil }
            let line = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            return line.contains(text) ? pid : nil
        }
    }
}
