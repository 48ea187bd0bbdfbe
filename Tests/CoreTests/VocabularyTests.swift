//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared
import Testing

@Suite("Notify messages, policy, tails, instants")
struct VocabularyTests {
    @Test("sd_notify parsing: known keys, several per datagram, unknown ones ignored")
    func notifyParsing() throws {
        let message = NotifyMessage(
            parsing: "READY=1\nSTATUS=serving on 127.0.0.1:8000\nX_CUSTOM=1\nMAINPID=4\nnonsense\n"
        )
        #expect(message.ready)
        #expect(message.status == "serving on 127.0.0.1:8000")
        #expect(!message.stopping && !message.watchdog)
        #expect(NotifyMessage(parsing: "WATCHDOG=1").watchdog)
        #expect(NotifyMessage(parsing: "WATCHDOG=trigger").watchdogTrigger)
        #expect(NotifyMessage(parsing: "READY=0").ready == false)
        #expect(NotifyMessage(parsing: "ERRNO=2").errorNumber == 2)
        #expect(NotifyMessage(parsing: "EXTEND_TIMEOUT_USEC=1500000").extendTimeout == .milliseconds(1500))
        #expect(NotifyMessage(parsing: "EXTEND_TIMEOUT_USEC=abc").extendTimeout == nil)
        #expect(NotifyMessage(parsing: "EXTEND_TIMEOUT_USEC=99999999999999999999").extendTimeout == nil)
        #expect(NotifyMessage(parsing: "") == NotifyMessage())
    }

    @Test("backoff: immediate, then doubling from 0.1 s, capped")
    func backoff() throws {
        let policy = SupervisorPolicy()
        #expect(policy.backoff(afterFailures: 0) == .zero)
        #expect(policy.backoff(afterFailures: 1) == .zero)
        #expect(policy.backoff(afterFailures: 2) == .milliseconds(100))
        #expect(policy.backoff(afterFailures: 3) == .milliseconds(200))
        #expect(policy.backoff(afterFailures: 10) == .milliseconds(25_600))
        #expect(policy.backoff(afterFailures: 11) == .seconds(30))
        #expect(policy.backoff(afterFailures: 10_000) == .seconds(30))
    }

    @Test("output tails keep the last lines, each cut to the limit")
    func tail() throws {
        var tail = OutputTail(capacity: 2, lineLimit: 4)
        tail.append("one")
        tail.append("two")
        tail.append("threeeee")
        #expect(tail.lines == ["two", "thre…"])
    }

    @Test("instants and durations")
    func instants() throws {
        let start = Instant(nanoseconds: 5_000_000_000)
        #expect(start + .milliseconds(1500) == Instant(nanoseconds: 6_500_000_000))
        #expect((start + .seconds(2)) - start == .seconds(2))
        #expect(start - (start + .seconds(1)) == .zero)
        #expect(Duration.milliseconds(-5).nanoseconds == 0)
        #expect(Duration.seconds(2.5).seconds == 2.5)
    }
}
