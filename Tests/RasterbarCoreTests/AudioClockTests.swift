// The audio clock against a simulated output device: virtual time, blocks
// pulled on the device's own schedule with wake-up jitter, a device clock
// that may drift, and frames read at 60 fps with jitter; seeks and pauses on
// the way. The clip's samples are a ramp that says which file frame they are,
// so the device knows what it is playing without asking the stream.
import XCTest
@testable import RasterbarCore
import RasterbarTestSupport

final class AudioClockTests: XCTestCase {
    let rate = 44100.0
    let block = 1024

    /// A device pulling `block` frames at its deadlines and recording what it
    /// got. It plays each block `queued` blocks after it is handed over (the
    /// output's own buffering), and can stall: ask nothing for a while.
    final class Device {
        let stream: MusicStream
        let rate: Double
        let block: Int
        let speed: Double
        let queued: Int
        let stall: Range<Double>?
        var next: Double
        /// When the next block is handed over (its deadline plus a late wake-up).
        var due: Double
        var rng: SplitMix
        let buffer: UnsafeMutablePointer<Float>
        let length: Double
        /// Blocks handed over, newest last: first file frame (nil: silence) and when.
        var blocks: [(first: Int?, at: Double)] = []

        init(stream: MusicStream, block: Int, speed: Double, queued: Int = 0, stall: Range<Double>? = nil,
             start: Double, clipFrames: Int, seed: UInt64) {
            self.stream = stream
            rate = stream.rate
            self.block = block
            self.speed = speed
            self.queued = queued
            self.stall = stall
            next = start
            rng = SplitMix(seed: seed)
            due = start + rng.uniform(0, 0.002)
            buffer = .allocate(capacity: block)
            length = Double(clipFrames)
        }

        deinit { buffer.deallocate() }

        /// Pulls every block due by `time`.
        func run(until time: Double) {
            while due <= time {
                if let stall, stall.contains(next) {
                    next = stall.upperBound
                } else {
                    stream.render(into: buffer, frames: block, at: due)
                    let silent = buffer[block - 1] == 0 && buffer[0] == 0
                    blocks.append((silent ? nil : Int((buffer[0] * Float(length)).rounded()), due))
                    if blocks.count > 16 { blocks.removeFirst() }
                    next += Double(block) / (rate * speed)
                }
                due = next + rng.uniform(0, 0.002) // woken up a little late
            }
        }

        /// What is heard at `time`, as a file position in seconds (nil: silence,
        /// nothing yet, or a stall: the queue ran dry).
        func heard(at time: Double) -> Double? {
            guard blocks.count > queued, let playing = blocks[blocks.count - 1 - queued].first,
                  let last = blocks.last, time - last.at < 2 * Double(block) / rate else { return nil }
            return (Double(playing) + min((time - last.at) * rate * speed, Double(block))) / rate
        }
    }

    /// A ramp clip: sample i is i / frames, so a sample tells its own position.
    func rampClip(seconds: Double) -> AudioClip {
        let frames = Int(seconds * rate)
        return AudioClip(rate: rate, channels: 1, samples: (0..<frames).map { Float($0) / Float(frames) })
    }

    /// Plays 60 virtual seconds with `script` (virtual time -> action) and checks
    /// every frame against what the device plays. Returns the largest error.
    @discardableResult
    func simulate(speed: Double, offset: Double, seed: UInt64, queued: Int = 0, stall: Range<Double>? = nil,
                  script: [(at: Double, action: (AudioClock) -> Void)]) -> (maxError: Double, frames: Int, end: (demo: Double, wall: Double)) {
        let clip = rampClip(seconds: 120)
        let stream = MusicStream(clip: clip, rate: rate, channels: 1, blockFrames: block, extraLatencyFrames: queued * block)
        var now = 0.0
        let clock = AudioClock(stream: stream, offset: offset, start: 0, read: { now })
        let device = Device(stream: stream, block: block, speed: speed, queued: queued, stall: stall,
                            start: 0.001, clipFrames: clip.frames, seed: seed)
        var rng = SplitMix(seed: seed ^ 0x9e37)
        var pending = script
        var maxError = 0.0, frames = 0
        var previous = -Double.infinity
        /// When the script last moved the music (seek, pause, play).
        var movedAt = -1.0
        while now < 60 {
            now += 1 / 60 + rng.uniform(-0.003, 0.003)
            device.run(until: now)
            if let next = pending.first, next.at <= now {
                pending.removeFirst()
                next.action(clock)
                movedAt = now
                previous = -Double.infinity
                device.run(until: now)
            }
            let time = clock.now
            frames += 1
            XCTAssertGreaterThanOrEqual(time, previous, "time moves only forward between seeks (at \(now) s)")
            previous = time
            if clock.paused { continue }
            // Until the device has played something from the new position there is nothing to compare with.
            // Nor while the music catches up after a stall (about a block, then the first block after it).
            guard let heard = device.heard(at: now), device.blocks[device.blocks.count - 1 - device.queued].at > movedAt,
                  stall.map({ !(($0.lowerBound - 0.1)..<($0.upperBound + 0.15)).contains(now) }) ?? true else { continue }
            let error = abs(time - (heard - offset))
            maxError = max(maxError, error)
            XCTAssertLessThanOrEqual(error, 1 / 60, "demo time \(time) vs heard \(heard - offset) at \(now) s")
        }
        return (maxError, frames, (clock.now, now))
    }

    func testDemoTimeStaysWithinAFrameOfTheMusicThroughSeeksAndPauses() {
        let result = simulate(speed: 1, offset: 1.5, seed: 1, script: [
            (10, { $0.setPaused(true) }),
            (12, { $0.setPaused(false) }),
            (20, { $0.seek(to: 30) }),
            (35, { $0.seek(to: 5) }),
            (40, { $0.setPaused(true) }),
            (40.05, { $0.setPaused(false) }),
            (50, { $0.seek(to: 0) }),
        ])
        XCTAssertGreaterThan(result.frames, 3500)
        XCTAssertLessThan(result.maxError, 1 / 60)
        // The last seek was to 0, ten seconds before the end.
        XCTAssertEqual(result.end.demo, 10, accuracy: 0.1)
    }

    func testDemoTimeFollowsADeviceWhoseClockDrifts() {
        for speed in [0.997, 1.004] {
            let result = simulate(speed: speed, offset: 0, seed: 7, script: [])
            XCTAssertLessThan(result.maxError, 1 / 60, "speed \(speed)")
            // The music, not the CPU clock, sets the pace: 60 s of wall time is 60 * speed s of music.
            XCTAssertEqual(result.end.demo, result.end.wall * speed, accuracy: 0.03, "speed \(speed)")
        }
    }

    func testAnOutputThatQueuesAheadIsHeardLater() {
        // Two blocks queued in the output (46 ms): demo time follows what is heard, not what was handed over.
        let result = simulate(speed: 1, offset: 0.5, seed: 3, queued: 2, script: [(20, { $0.seek(to: 40) }), (30, { $0.setPaused(true) }), (31, { $0.setPaused(false) })])
        XCTAssertLessThan(result.maxError, 1 / 60)
    }

    func testADeviceThatStallsLeavesTimeFlowingAndTheMusicCatchesUp() {
        var times: [(wall: Double, demo: Double)] = []
        let stream = MusicStream(clip: rampClip(seconds: 120), rate: rate, channels: 1, blockFrames: block)
        var now = 0.0
        let clock = AudioClock(stream: stream, offset: 0, start: 0, read: { now })
        let device = Device(stream: stream, block: block, speed: 1, stall: 10..<11, start: 0.001, clipFrames: 120 * 44100, seed: 9)
        while now < 15 {
            now += 1.0 / 60
            device.run(until: now)
            times.append((now, clock.now))
        }
        let during = times.filter { (10.3..<11).contains($0.wall) }
        XCTAssertEqual(during.last!.demo - during.first!.demo, during.last!.wall - during.first!.wall, accuracy: 0.02,
                       "while the device asks nothing, the picture goes on at real time")
        let heard = try! XCTUnwrap(device.heard(at: now))
        XCTAssertEqual(clock.now, heard, accuracy: 1.0 / 60, "after it comes back, the music has caught up with the picture")
        XCTAssertEqual(clock.now, 15, accuracy: 0.15, "and the picture lost no more than the moment it took to notice the stall")
    }

    func testWithoutAnOutputTimeFlowsOnTheMonotonicClock() {
        let stream = MusicStream(clip: rampClip(seconds: 10), rate: rate, channels: 1, blockFrames: block)
        var now = 100.0
        let clock = AudioClock(stream: stream, offset: 0, start: 2, read: { now })
        now += 0.05
        XCTAssertEqual(clock.now, 2, "waiting briefly for the output's first block")
        now += 0.5
        XCTAssertEqual(clock.now, 2.5, accuracy: 1e-9, "a stalled output does not freeze the demo")
    }

    func testTheStreamPlaysTheClipAtItsVolumeAndSilenceAfterIt() {
        let clip = AudioClip(rate: rate, channels: 2, samples: [0.5, -0.5, 0.25, -0.25])
        let stream = MusicStream(clip: clip, rate: rate, channels: 2, blockFrames: 4)
        stream.seek(toFrame: 0, paused: false)
        stream.setVolume(0.5)
        var out = [Float](repeating: 9, count: 8)
        out.withUnsafeMutableBufferPointer { stream.render(into: $0.baseAddress!, frames: 4, at: 0) }
        XCTAssertEqual(out, [0.25, -0.25, 0.125, -0.125, 0, 0, 0, 0])
        stream.seek(toFrame: 4, paused: true)
        out.withUnsafeMutableBufferPointer { stream.render(into: $0.baseAddress!, frames: 4, at: 1) }
        XCTAssertEqual(out, [Float](repeating: 0, count: 8), "paused: silence")
        XCTAssertNil(stream.heardPosition(at: 1), "a pause forgets the last block")
    }
}
