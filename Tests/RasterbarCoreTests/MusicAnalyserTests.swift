// The music input: spectrum and waveform bytes from generated signals, checked
// against a slow direct DFT of the same definition, and its purity in time.
import Foundation
import XCTest
@testable import RasterbarCore
import RasterbarTestSupport

final class MusicAnalyserTests: XCTestCase {
    func testSinePeaksAtItsBin() {
        for rate in [44100.0, 48000.0] {
            let analyser = MusicAnalyser(samples: sine(1000, amplitude: 0.5, rate: rate, seconds: 2), rate: rate, offset: 0, fps: 60)
            let spectrum = analyser.frame(at: 1).bytes[..<MusicAnalyser.width]
            let expected = Int((1000 / (rate / 2048)).rounded())
            let peak = spectrum.max()!
            let peakBins = spectrum.indices.filter { spectrum[$0] == peak }
            XCTAssertTrue(peakBins.allSatisfy { abs($0 - expected) <= 1 }, "at \(rate) Hz the maximum is at bins \(peakBins), not \(expected) +-1")
            let far = spectrum.indices.filter { abs($0 - expected) > 40 }.map { spectrum[$0] }.max()!
            XCTAssertLessThan(Int(far) + 100, Int(peak), "at \(rate) Hz bins far from the tone are much lower")
        }
    }

    func testSilenceAndTimesOutsideTheMusic() {
        let zeros = MusicAnalyser(samples: [Float](repeating: 0, count: 44100), rate: 44100, offset: 0, fps: 60)
        for time in [-1.0, 0, 0.5, 0.99, 5] { assertSame(zeros.frame(at: time), .silent, "zeros at \(time)") }
        XCTAssertEqual(MusicFrame.silent.spectrum, [Float](repeating: 0, count: 512))
        XCTAssertEqual(MusicFrame.silent.waveform, [Float](repeating: 128.0 / 255, count: 512))
        assertSame(MusicAnalyser(samples: [], rate: 44100, offset: 0, fps: 60).frame(at: 1), .silent, "no samples")

        // One second of noise from sample time 1 s: demo time 0 is a second before it.
        let music = noise(count: 44100, amplitude: 0.5, seed: 1)
        let early = MusicAnalyser(samples: music, rate: 44100, offset: -1, fps: 60)
        assertSame(early.frame(at: 0), .silent, "before the music")
        assertSame(early.frame(at: 0.99), .silent, "the window ends before the music")
        XCTAssertNotEqual(early.frame(at: 1.1).bytes, MusicFrame.silent.bytes, "inside the music")

        // After the end (sample 44100): at 60 fps frame k's window ends at sample
        // 735 k, so frame 62 is the last to hold music. The waveform is flat from
        // frame 61 on, but the spectrum decays over 16 frames: silent from 78 on.
        let late = MusicAnalyser(samples: music, rate: 44100, offset: 0, fps: 60)
        let justAfter = late.frame(at: 63.0 / 60)
        XCTAssertEqual(justAfter.waveform, MusicFrame.silent.waveform)
        XCTAssertNotEqual(justAfter.spectrum, MusicFrame.silent.spectrum, "the smoothing still holds the music")
        XCTAssertNotEqual(late.frame(at: 70.0 / 60).spectrum, MusicFrame.silent.spectrum, "frames 55 to 62 still count")
        assertSame(late.frame(at: 78.0 / 60), .silent, "no frame of the smoothing sees the music any more")
        assertSame(late.frame(at: 100), .silent, "long after")
    }

    func testSpectrumMatchesADirectDFT() {
        // Two tones that fall between bins and noise, at two rates and frame grids;
        // the second has an offset so windows do not start on whole samples of time.
        for (rate, fps, offset) in [(44100.0, 60.0, 0.0), (48000.0, 24.0, 0.3137)] {
            let count = Int(rate * 2)
            let noise = noise(count: count, amplitude: 0.02, seed: 7)
            let samples = (0..<count).map { n -> Float in
                let t = Double(n) / rate
                return Float(0.3 * sin(2 * .pi * 440 * t) + 0.05 * sin(2 * .pi * 3111.7 * t)) + noise[n]
            }
            let analyser = MusicAnalyser(samples: samples, rate: rate, offset: offset, fps: fps)
            let time = 1.0
            let got = Array(analyser.frame(at: time).bytes[..<512])
            let want = referenceSpectrum(samples, rate: rate, offset: offset, fps: fps, time: time)
            for b in 0..<512 {
                XCTAssertLessThanOrEqual(abs(Int(got[b]) - Int(want[b])), 1, "bin \(b) at \(rate) Hz: \(got[b]), the DFT says \(want[b])")
            }
            // Make sure the comparison covers the scale, not only its clamped ends.
            XCTAssertGreaterThan(want.filter { $0 > 0 && $0 < 255 }.count, 400)
            XCTAssertTrue(want.contains(255))
        }
    }

    func testFramesArePureFunctionsOfGridTime() {
        let samples = noise(count: 44100 * 3, amplitude: 0.5, seed: 3)
        let inOrder = MusicAnalyser(samples: samples, rate: 44100, offset: 0.1, fps: 30)
        let frames = (0..<90).map { inOrder.frame(at: Double($0) / 30) }
        var generator = SplitMix(seed: 11)
        let shuffled = MusicAnalyser(samples: samples, rate: 44100, offset: 0.1, fps: 30)
        for k in (0..<90).shuffled(using: &generator) {
            assertSame(shuffled.frame(at: Double(k) / 30), frames[k], "frame \(k) asked out of order")
        }
        for k in [5, 40, 89] {
            assertSame(shuffled.frame(at: (Double(k) + 0.5) / 30), frames[k], "half way after frame \(k)")
            assertSame(shuffled.frame(at: (Double(k) + 0.999) / 30), frames[k], "just before frame \(k + 1)")
            XCTAssertNotEqual(frames[k].bytes, frames[k - 1].bytes, "frames \(k - 1) and \(k) differ")
        }
        // 31 * (1 / 30) * 30 is a hair under 31: still frame 31.
        for k in [31, 62] { assertSame(shuffled.frame(at: Double(k) * (1.0 / 30)), frames[k], "frame \(k) by a rounded time") }
    }

    func testAClickRisesAndDecays() {
        // A 5 ms burst of noise at t = 1 s (samples 44100 ..< 44320) in silence. At
        // 60 fps frame k's window ends at sample 735 k: frames 61 to 63 hold it.
        var samples = [Float](repeating: 0, count: 44100 * 2)
        samples.replaceSubrange(44100 ..< 44320, with: noise(count: 220, amplitude: 0.9, seed: 9))
        let analyser = MusicAnalyser(samples: samples, rate: 44100, offset: 0, fps: 60)
        let level = (58...80).map { k in analyser.frame(at: Double(k) / 60).spectrum.reduce(0, +) / 512 }
        let at = { (k: Int) in level[k - 58] }
        XCTAssertEqual(at(60), 0, "the window before the click")
        XCTAssertGreaterThan(at(61), 0.2, "the first window that holds the click")
        for k in 64...77 { XCTAssertLessThan(at(k), at(k - 1), "frame \(k) decays") }
        XCTAssertGreaterThan(at(64), at(63) - 0.05, "the decay is smooth, not a drop")
        XCTAssertGreaterThan(at(76), 0.1, "a quarter of a second later the click still shows")
        XCTAssertEqual(at(79), 0, "16 frames after the last window that held it")
    }

    func testWaveformBytes() {
        let dc = MusicAnalyser(samples: [Float](repeating: 0.5, count: 44100), rate: 44100, offset: 0, fps: 60)
        XCTAssertEqual(Array(dc.frame(at: 0.5).bytes[512...]), [UInt8](repeating: 192, count: 512))
        XCTAssertEqual(dc.frame(at: 0.5).waveform, [Float](repeating: 192.0 / 255, count: 512))

        let tone = MusicAnalyser(samples: sine(1000, amplitude: 0.5, rate: 44100, seconds: 1), rate: 44100, offset: 0, fps: 60)
        let wave = tone.frame(at: 0.5).bytes[512...]
        XCTAssertTrue((63...65).contains(wave.min()!), "trough \(wave.min()!)")
        XCTAssertTrue((190...192).contains(wave.max()!), "crest \(wave.max()!)")
        // The waveform is the last 512 samples before sample 22050 (frame 30's window end).
        let samples = sine(1000, amplitude: 0.5, rate: 44100, seconds: 1)
        XCTAssertEqual(Array(wave), (22050 - 512 ..< 22050).map { UInt8((128 * (1 + samples[$0])).rounded(.down)) })
    }

    func testOffsetShiftsTime() {
        let samples = noise(count: 44100 * 4, amplitude: 0.5, seed: 5)
        let shifted = MusicAnalyser(samples: samples, rate: 44100, offset: 2, fps: 60)
        let plain = MusicAnalyser(samples: samples, rate: 44100, offset: 0, fps: 60)
        assertSame(shifted.frame(at: 0), plain.frame(at: 2), "demo time 0 with offset 2")
        assertSame(shifted.frame(at: 0.5), plain.frame(at: 2.5), "demo time 0.5 with offset 2")
        XCTAssertNotEqual(shifted.frame(at: 0).bytes, plain.frame(at: 0).bytes)
    }

    // MARK: Signals and the reference

    /// Equal frames, or a failure naming the first byte that differs (printing
    /// two whole frames would bury it).
    func assertSame(_ got: MusicFrame, _ want: MusicFrame, _ message: String, line: UInt = #line) {
        guard got != want else { return }
        // Every frame is 1024 bytes; the float views follow from them.
        guard let i = got.bytes.indices.first(where: { got.bytes[$0] != want.bytes[$0] }) else {
            return XCTFail("\(message): same bytes, different float views", line: line)
        }
        XCTFail("\(message): byte \(i) is \(got.bytes[i]), not \(want.bytes[i])", line: line)
    }

    func sine(_ frequency: Double, amplitude: Double, rate: Double, seconds: Double) -> [Float] {
        (0..<Int(rate * seconds)).map { Float(amplitude * sin(2 * .pi * frequency * Double($0) / rate)) }
    }

    func noise(count: Int, amplitude: Float, seed: UInt64) -> [Float] {
        var generator = SplitMix(seed: seed)
        return (0..<count).map { _ in Float.random(in: -amplitude...amplitude, using: &generator) }
    }

    /// The spectrum bytes by the definition written out the slow, obvious way:
    /// a direct DFT of each of the 16 windows, smoothed and mapped to bytes.
    func referenceSpectrum(_ samples: [Float], rate: Double, offset: Double, fps: Double, time: Double) -> [UInt8] {
        let n = 2048
        let cosines = (0..<n).map { cos(2 * Double.pi * Double($0) / Double(n)) }
        let sines = (0..<n).map { sin(2 * Double.pi * Double($0) / Double(n)) }
        let g = Int((time * fps + 1e-6).rounded(.down))
        var smoothed = [Double](repeating: 0, count: 512)
        for k in (g - 15)...g {
            let end = Int(((Double(k) / fps + offset) * rate).rounded())
            let x = (0..<n).map { i -> Double in
                let index = end - n + i
                let v = samples.indices.contains(index) ? Double(samples[index]) : 0
                let w = 0.42 - 0.5 * cos(2 * .pi * Double(i) / Double(n)) + 0.08 * cos(4 * .pi * Double(i) / Double(n))
                return v * w
            }
            for b in 0..<512 {
                var re = 0.0, im = 0.0
                for i in 0..<n {
                    // e^(-2 pi i b i / n), the angle taken modulo a full turn
                    re += x[i] * cosines[b * i % n]
                    im -= x[i] * sines[b * i % n]
                }
                smoothed[b] = 0.8 * smoothed[b] + 0.2 * (re * re + im * im).squareRoot() / Double(n)
            }
        }
        return smoothed.map { s in
            let db = 20 * log10(s)
            return UInt8(max(0, min(255, (255 * (db + 100) / 70).rounded(.down))))
        }
    }
}
