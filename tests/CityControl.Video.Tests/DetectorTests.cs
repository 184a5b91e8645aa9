using CityControl.Testing;
using CityControl.Video;
using CityControl.Video.Analysis;
using CityControl.Video.Detection;
using CityControl.Video.Sources;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpenCvSharp;

namespace CityControl.Tests.Video;

/// <summary>The detector's loading (the shipped model and an operator's own ONNX detector), its output contracts and its rules.</summary>
public sealed class DetectorTests
{
    [Fact]
    public void The_shipped_model_is_converted_and_finds_the_person_at_the_table_with_a_box_around_them()
    {
        var detector = ShippedDetector.Instance;
        Assert.Equal(512, detector.InputSize);
        Assert.Equal("centernet", detector.Name);

        // At 30 s a man stands at the table, his whole body in view (watched: x 380-540, y 0-385 of 768 x 432).
        using var frame = FrameAt(RepoPaths.Data("video", "intel_one-by-one-person-detection.mp4"), 30);
        var found = detector.Detect(frame, 0.35f, Timeout.InfiniteTimeSpan)!;

        var person = Assert.Single(found);
        Assert.Equal(ObjectClass.Person, person.Class);
        Assert.InRange(person.Confidence, 0.6f, 1f);
        Assert.InRange(person.Box.X + person.Box.Width / 2, 400, 520);
        Assert.InRange(person.Box.Height, 300, 432);
        Assert.InRange(detector.LastInferenceMilliseconds, 1, 2_000);

        // An empty room (at 1 s nobody is in view) has nothing in it.
        using var empty = FrameAt(RepoPaths.Data("video", "intel_one-by-one-person-detection.mp4"), 1);
        Assert.Empty(detector.Detect(empty, 0.35f, Timeout.InfiniteTimeSpan)!);
    }

    [Fact]
    public async Task A_frame_that_cannot_get_an_inference_thread_in_time_is_dropped_not_queued()
    {
        using var detector = new ObjectDetector(DetectorModel.Load(new DetectorSettings()), threads: 1);
        using var frame = FrameAt(RepoPaths.Data("video", "bgslibrary_video02.avi"), 5);
        using var started = new ManualResetEventSlim();
        var busy = Task.Run(() =>
        {
            started.Set();
            for (var i = 0; i < 20; i++)
            {
                detector.Detect(frame, 0.35f, Timeout.InfiniteTimeSpan);
            }
        }, TestContext.Current.CancellationToken);
        started.Wait(TestContext.Current.CancellationToken);

        var dropped = 0;
        while (!busy.IsCompleted && dropped == 0)
        {
            dropped += detector.Detect(frame, 0.35f, TimeSpan.Zero) is null ? 1 : 0;
        }

        Assert.True(dropped > 0, "with its one thread busy, a frame asking for no wait must be dropped");
        await busy;
    }

    /// <summary>
    /// An operator's own detector with YOLO-style output ([1, 4 + K, N]: centre, size and K class scores per box,
    /// NCHW input scaled to 0-1). The model here is built for the test: its output is a fixed tensor of four boxes, so
    /// what the loader and the decoder make of it is known exactly.
    /// </summary>
    [Fact]
    public void An_onnx_detector_with_yolo_output_is_loaded_from_configuration_and_its_boxes_come_back_in_image_pixels()
    {
        const int size = 64;
        const int classes = 80;
        // Box 0: a person at (16, 16) 8 x 16 px, score 0.9. Box 1: the same person slightly shifted, 0.6 (suppressed).
        // Box 2: a truck at (40, 40) 20 x 10, score 0.7. Box 3: a dog (class 16), 0.95: not a road user, ignored.
        // The other 124 boxes score nothing (a real export has thousands, more than its 84 channels).
        float[][] boxes =
        [
            [16, 16, 8, 16], [17, 16, 8, 16], [40, 40, 20, 10], [50, 10, 6, 6], .. Enumerable.Range(0, 124).Select(_ => new float[] { 8, 8, 4, 4 }),
        ];
        (int Box, int Class, float Score)[] scores = [(0, 0, 0.9f), (1, 0, 0.6f), (2, 7, 0.7f), (3, 16, 0.95f)];
        var output = new float[(4 + classes) * boxes.Length];
        for (var b = 0; b < boxes.Length; b++)
        {
            for (var k = 0; k < 4; k++)
            {
                output[k * boxes.Length + b] = boxes[b][k];
            }
        }

        foreach (var (b, c, score) in scores)
        {
            output[(4 + c) * boxes.Length + b] = score;
        }

        var onnx = new OnnxModelBuilder();
        onnx.Input("images", [1, 3, size, size]);
        onnx.Initializer("fixed", [1, 4 + classes, boxes.Length], output);
        onnx.Node("Identity", ["fixed"], ["output0"]);
        onnx.Output("output0", [1, 4 + classes, boxes.Length]);
        var path = Path.Combine(Directory.CreateTempSubdirectory("detector-").FullName, "yolo-like.onnx");
        File.WriteAllBytes(path, onnx.ToBytes("test"));
        try
        {
            var settings = new DetectorSettings { ModelPath = path, Output = DetectorOutput.Yolo, ChannelsFirst = true, PixelScale = 1 / 255f, Outputs = [] };
            using var detector = new ObjectDetector(DetectorModel.Load(settings));
            Assert.Equal(size, detector.InputSize);

            // A 640 x 480 image is scaled by 0.1 into the 64 px input: boxes come back ten times larger.
            using var image = new Mat(480, 640, MatType.CV_8UC3, Scalar.All(90));
            var found = detector.Detect(image, 0.5f, Timeout.InfiniteTimeSpan)!.OrderBy(d => d.Class).ToList();

            Assert.Equal(2, found.Count);
            Assert.Equal(ObjectClass.Person, found[0].Class);
            Assert.Equal(0.9f, found[0].Confidence);
            Assert.Equal(new Rect2d(120, 80, 80, 160), Round(found[0].Box));
            Assert.Equal(ObjectClass.Truck, found[1].Class);
            Assert.Equal(new Rect2d(300, 350, 200, 100), Round(found[1].Box));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, true);
        }
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("garbage")]
    [InlineData("unsupported")]
    public void A_model_that_cannot_be_loaded_leaves_the_worker_on_motion_alone_instead_of_failing(string problem)
    {
        var folder = Directory.CreateTempSubdirectory("detector-").FullName;
        try
        {
            var path = Path.Combine(folder, problem == "unsupported" ? "model.json" : "model.onnx");
            switch (problem)
            {
                case "garbage":
                    File.WriteAllBytes(path, [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 31))]);
                    break;
                case "unsupported":
                    // A graph with an operation the converter does not know: refused by name, not half converted.
                    File.WriteAllText(path, """
                        {"modelTopology":{"node":[
                          {"name":"x","op":"Placeholder","attr":{"shape":{"shape":{"dim":[{"size":"1"},{"size":"8"},{"size":"8"},{"size":"3"}]}}}},
                          {"name":"y","op":"Erf","input":["x"]}]},
                         "weightsManifest":[]}
                        """);
                    Assert.Contains("Erf", Assert.Throws<NotSupportedException>(() => TfjsGraphConverter.Convert(path, ["y"])).Message, StringComparison.Ordinal);
                    break;
            }

            using var provider = new DetectorProvider(Options.Create(new DetectorSettings { ModelPath = path, Outputs = ["y"] }), NullLogger<DetectorProvider>.Instance);
            Assert.Null(provider.Get());
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    /// <summary>
    /// An HD camera (1920 x 1080) with two people far apart, each about 90 px tall (two people of the shared clip,
    /// scaled down and walking in at opposite corners of the empty room). Scaled whole into the detector's 512 px,
    /// a person is 24 px tall and is not found; looked at in a region of their own, each is.
    /// </summary>
    [Fact]
    public void Two_small_people_far_apart_on_an_hd_picture_are_each_found_in_a_region_of_their_own()
    {
        var clip = RepoPaths.Data("video", "intel_one-by-one-person-detection.mp4");
        using var room = FrameAt(clip, 1);
        using var first = FrameAt(clip, 30);
        using var second = FrameAt(clip, 100);
        using var background = new Mat();
        Cv2.Resize(room, background, new Size(1920, 1080));
        using var a = Person(first, new Rect(370, 0, 180, 400));
        using var b = Person(second, new Rect(370, 0, 170, 400));
        var config = new CameraAnalyticsConfig([], [], DetectionWidth: 480, MinObjectArea: 10, Tampering: false, Detector: DetectorMode.Objects);
        using var analyzer = new FrameAnalyzer(config, detector: ShippedDetector.Instance) { DetectorWait = Timeout.InfiniteTimeSpan };
        using var frame = new Mat();
        var wholeFrameFinds = new List<int>();
        for (var i = 0; i < 30; i++)
        {
            background.CopyTo(frame);
            if (i >= 10)
            {
                // They walk in from the corners, 8 px a frame.
                var step = (i - 10) * 8;
                a.CopyTo(new Mat(frame, new Rect(100 + step, 900 - a.Height, a.Width, a.Height)));
                b.CopyTo(new Mat(frame, new Rect(1750 - step, 150, b.Width, b.Height)));
                wholeFrameFinds.Add(ShippedDetector.Instance.Detect(frame, 0.35f, Timeout.InfiniteTimeSpan)!.Count(d => d.Class == ObjectClass.Person));
            }

            analyzer.Analyze(frame, i * 0.2);
        }

        Assert.True(wholeFrameFinds.Average() < 1, $"people found on the whole frame: {string.Join(' ', wholeFrameFinds)}");
        var people = analyzer.Tracks.Where(t => t.Confirmed && t.Class == ObjectClass.Person).ToList();
        Assert.Equal(2, people.Count);
        Assert.Single(people, t => t.Box.X * 4 < 960);
        Assert.Single(people, t => t.Box.X * 4 > 960);
    }

    [Fact]
    public void Regions_keep_far_apart_objects_apart_and_join_near_ones_and_many_become_the_whole_frame()
    {
        var hd = new Size(1920, 1080);

        var apart = FrameAnalyzer.Regions([new Rect(100, 800, 30, 90), new Rect(1700, 100, 30, 90)], hd, 512);
        Assert.Equal(2, apart.Count);
        Assert.All(apart, r => Assert.InRange(r.Width, 170, 180));

        var near = FrameAnalyzer.Regions([new Rect(100, 800, 30, 90), new Rect(160, 820, 30, 90)], hd, 512);
        Assert.Single(near);

        Rect[] scattered = [.. Enumerable.Range(0, 6).Select(i => new Rect(100 + i * 300, (i % 2) * 800 + 50, 30, 90))];
        Assert.InRange(FrameAnalyzer.Regions(scattered, hd, 512).Count, 1, FrameAnalyzer.MaxRegions);

        var small = new Size(320, 240);
        Assert.Equal([new Rect(0, 0, 320, 240)], FrameAnalyzer.Regions([new Rect(10, 10, 20, 40), new Rect(280, 180, 20, 40)], small, 512));
    }

    private static Mat Person(Mat frame, Rect around)
    {
        using var crop = new Mat(frame, around);
        var small = new Mat();
        Cv2.Resize(crop, small, new Size(around.Width * 90 / around.Height, 90), 0, 0, InterpolationFlags.Area);
        return small;
    }

    [Fact]
    public void A_rider_is_folded_into_the_bicycle_under_them_and_people_side_by_side_stay_apart()
    {
        List<DetectedObject> found =
        [
            new(new Rect2d(100, 40, 30, 70), ObjectClass.Person, 0.8f),
            new(new Rect2d(95, 80, 45, 40), ObjectClass.Bicycle, 0.6f),
            new(new Rect2d(200, 40, 30, 70), ObjectClass.Person, 0.7f),
            new(new Rect2d(232, 40, 30, 70), ObjectClass.Person, 0.7f),
        ];

        var folded = FrameAnalyzer.FoldRiders(found);

        Assert.Equal(3, folded.Count);
        var cyclist = Assert.Single(folded, d => d.Class == ObjectClass.Bicycle);
        Assert.Equal(new Rect2d(95, 40, 45, 80), cyclist.Box);
        Assert.Equal(2, folded.Count(d => d.Class == ObjectClass.Person));
    }

    [Fact]
    public void Overlapping_vehicle_guesses_are_one_vehicle_but_a_person_beside_a_car_is_kept()
    {
        List<DetectedObject> found =
        [
            new(new Rect2d(0, 0, 40, 30), ObjectClass.Car, 0.7f),
            new(new Rect2d(2, 1, 40, 30), ObjectClass.Truck, 0.4f),
            new(new Rect2d(5, 0, 12, 30), ObjectClass.Person, 0.6f),
        ];

        var kept = ObjectDetector.Suppress(found, 0.5);

        Assert.Equal([ObjectClass.Person, ObjectClass.Car], kept.Select(d => d.Class).Order());
    }

    private static Rect2d Round(Rect2d r) => new(Math.Round(r.X), Math.Round(r.Y), Math.Round(r.Width), Math.Round(r.Height));

    private static Mat FrameAt(string clip, double seconds)
    {
        using var video = new VideoFile(clip);
        var frame = new Mat();
        while (video.Read(frame, out var time))
        {
            if (time >= seconds)
            {
                return frame;
            }
        }

        throw new InvalidDataException($"{clip} is shorter than {seconds} s");
    }
}
