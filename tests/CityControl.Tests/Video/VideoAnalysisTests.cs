using System.Text.Json;
using CityControl.Testing;
using CityControl.Video;
using CityControl.Video.Analysis;
using CityControl.Video.Cli;
using CityControl.Video.Sources;
using OpenCvSharp;

namespace CityControl.Tests.Video;

/// <summary>The analysis on the real CCTV clips in ../shared/data/video, with expectations written from watching them.</summary>
public sealed class VideoAnalysisTests
{
    private static string Clip(string name) => RepoPaths.Data("video", name);

    private static CameraAnalyticsConfig Config(string name) =>
        JsonSerializer.Deserialize<CameraAnalyticsConfig>(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Samples", name)), AnalyzeCommand.Json)!;

    [Fact]
    public void The_cyclist_on_the_motorway_hard_shoulder_is_an_intrusion_and_the_cars_in_the_lanes_are_not()
    {
        // Watched: the cyclist rides up the hard shoulder from about 2 s (bottom right) to about 22 s (far end); cars
        // and trucks stay in the lanes throughout; an OSD box and, from 20 s, an OSD "pedestrian alarm" marker are masked.
        var events = new List<VideoEvent>();

        var summary = AnalyzeCommand.Analyze(Clip("bgslibrary_video02.avi"), Config("highway-hard-shoulder.json"), events.Add);

        var intrusion = Assert.Single(events);
        Assert.Equal(VideoEventType.Intrusion, intrusion.Type);
        Assert.Equal("hard shoulder", intrusion.Zone);
        Assert.InRange(intrusion.Time, 2, 8);
        var box = intrusion.Box!.Value;
        Assert.InRange(box[0] + box[2] / 2.0, 235, 290);
        Assert.InRange(box[1] + box[3], 170, 240);
        Assert.Equal(748, summary.FramesRead);
        Assert.InRange(summary.FramesAnalysed, 149, 151);
    }

    [Fact]
    public void A_clip_with_an_odd_time_base_is_analysed_with_sane_increasing_timestamps()
    {
        using var video = new VideoFile(Clip("bgslibrary_video03.avi"));
        using var frame = new Mat();
        var times = new List<double>();
        while (video.Read(frame, out var time))
        {
            times.Add(time);
        }

        Assert.InRange(times.Count, 1699, 1700); // SOURCE.txt: 1699 frames; the decoder may hand out the last one or not
        Assert.True(times.Zip(times.Skip(1)).All(p => p.Second > p.First), "times must increase");
        Assert.InRange(times[^1], 28.0, 28.6);
        var summary = AnalyzeCommand.Analyze(Clip("bgslibrary_video03.avi"), CameraAnalyticsConfig.Default, _ => { });
        Assert.InRange(summary.FramesAnalysed, 141, 143);
        Assert.InRange(summary.DurationSeconds, 28.0, 28.6);
    }

    [Theory]
    [InlineData("covered")]
    [InlineData("defocused")]
    [InlineData("moved")]
    public void Tampering_part_way_through_a_real_clip_is_flagged_at_that_point_and_not_before(string tampering)
    {
        const double from = 15;
        using var video = new VideoFile(Clip("intel_car-detection.mp4"));
        using var analyzer = new FrameAnalyzer(CameraAnalyticsConfig.Default);
        using var frame = new Mat();
        using var tampered = new Mat();
        var events = new List<VideoEvent>();
        var next = 0.0;
        while (video.Read(frame, out var time))
        {
            if (time + 1e-6 < next)
            {
                continue;
            }

            next += 0.2;
            if (time < from)
            {
                events.AddRange(analyzer.Analyze(frame, time));
                continue;
            }

            Tamper(frame, tampered, tampering);
            events.AddRange(analyzer.Analyze(tampered, time));
        }

        var flagged = Assert.Single(events, e => e.Type == VideoEventType.Tampering);
        Assert.InRange(flagged.Time, from, from + 2);
        Assert.StartsWith(tampering, flagged.Detail, StringComparison.Ordinal);
    }

    private static void Tamper(Mat frame, Mat output, string how)
    {
        switch (how)
        {
            case "covered":
                // A hand or cloth over the lens: almost black, a little light leaking in.
                frame.ConvertTo(output, -1, 0.05, 0);
                break;
            case "defocused":
                Cv2.GaussianBlur(frame, output, new Size(31, 31), 0);
                break;
            default:
                // Turned on its mount: the view shifted by 15% of its width and 10% of its height.
                using (var shift = Mat.FromArray(new double[,] { { 1, 0, frame.Width * 0.15 }, { 0, 1, frame.Height * 0.10 } }))
                {
                    Cv2.WarpAffine(frame, output, shift, frame.Size(), InterpolationFlags.Linear, BorderTypes.Reflect);
                }

                break;
        }
    }
}
