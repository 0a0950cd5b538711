import ServiceSupport
import Testing

@Suite("Settings: flags over the environment over defaults, bounded values")
struct SettingsTests {
    @Test("durations in settings are bounded so they fit in nanoseconds")
    func settingDurations() throws {
        #expect(Settings.parseDuration("1e300s") == nil)
        #expect(Settings.parseDuration("1e9") == .seconds(1_000_000_000))
        #expect(Settings.parseDuration("1000000001") == nil)
        #expect(Settings.parseDuration("16666667m") == nil)
        #expect(Settings.parseDuration("500ms") == .milliseconds(500))
        #expect(Settings.parseDuration("2m") == .seconds(120))
        let settings = Settings(environment: ["STATS_WINDOW": "1e300"])
        #expect(throws: SettingError.self) { try settings.duration("STATS_WINDOW", default: .seconds(1)) }
    }

    @Test("a flag wins over the environment; an empty variable is unset; errors name the setting")
    func precedence() throws {
        let settings = Settings(
            flags: ["TOP_SOURCES": "7", "HTTP_ADDR": nil],
            environment: ["TOP_SOURCES": "3", "HTTP_ADDR": "", "POST_QUEUE": "x", "ADDR": "[::1]:80"])
        #expect(try settings.int("TOP_SOURCES", default: 10, range: 0...1000) == 7)
        #expect(settings.string("HTTP_ADDR") == nil)
        #expect(try settings.address("HTTP_ADDR", default: ":8800") == ("0.0.0.0", 8800))
        #expect(try settings.address("ADDR", default: ":1") == ("::1", 80))
        do {
            _ = try settings.int("POST_QUEUE", default: 600, range: 1...10)
            Issue.record("accepted POST_QUEUE=x")
        } catch {
            #expect(error.description == "POST_QUEUE must be an integer, got \"x\"")
        }
        #expect(throws: SettingError.self) { try settings.int("TOP_SOURCES", default: 10, range: 0...5) }
    }
}
