using System.Security.Cryptography;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using CityControl.Testing;
using CityControl.Tests.Infrastructure;
using CityControl.Video;
using CityControl.Video.Cli;
using CityControl.Video.Evidence;
using OpenCvSharp;

namespace CityControl.Tests.Video;

/// <summary>Evidence of a real event stored in Azurite: snapshot and clip come back byte for byte, and a changed blob is caught by its hash.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class EvidenceStorageTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task The_hard_shoulder_intrusion_is_stored_as_snapshot_and_clip_whose_hashes_are_checked_on_download()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = new BlobEvidenceStore(new BlobServiceClient(azurite.ConnectionString), "evidence-" + Guid.NewGuid().ToString("N")[..8]);
        var recorder = new EvidenceRecorder("cam-highway", store, preRollSeconds: 3, postRollSeconds: 2);
        var config = JsonSerializer.Deserialize<CameraAnalyticsConfig>(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Samples", "highway-hard-shoulder.json")), AnalyzeCommand.Json)!;
        var complete = new List<EvidenceRecorder.Completed>();
        AnalyzeCommand.Analyze(RepoPaths.Data("video", "bgslibrary_video02.avi"), config, null, ShippedDetector.Instance, (analyzer, frame, time, events) =>
        {
            if (!frame.Empty() && complete.Count == 0)
            {
                using var annotated = analyzer.Annotate(frame);
                complete.AddRange(recorder.Add(time, EvidenceRecorder.Encode(annotated), [.. events.Select(e => e with { At = DateTimeOffset.UnixEpoch.AddSeconds(e.Time) })]).Complete);
            }
        });

        var intrusion = Assert.Single(complete);
        Assert.Equal((VideoEventType.Intrusion, "hard shoulder"), (intrusion.Event.Type, intrusion.Event.Zone));
        var stored = await recorder.StoreAsync(intrusion, 5, ct);
        var snapshot = stored.Evidence!.Value[0];
        var clip = stored.Evidence!.Value[1];

        Assert.Equal(("snapshot", "image/jpeg", "clip", "video/x-msvideo"), (snapshot.Kind, snapshot.ContentType, clip.Kind, clip.ContentType));
        var jpeg = await BlobEvidenceStore.ReadVerifiedAsync(store.Container, snapshot, ct);
        var avi = await BlobEvidenceStore.ReadVerifiedAsync(store.Container, clip, ct);
        Assert.Equal((snapshot.Sha256, snapshot.Bytes), (Convert.ToHexStringLower(SHA256.HashData(jpeg)), jpeg.LongLength));
        Assert.Equal((clip.Sha256, clip.Bytes), (Convert.ToHexStringLower(SHA256.HashData(avi)), avi.LongLength));
        using (var picture = Cv2.ImDecode(jpeg, ImreadModes.Color))
        {
            Assert.Equal(new Size(320, 240), picture.Size());
        }

        // The last three seconds at 5 frames a second up to and with the event's own frame, and two seconds after it.
        var (frames, fourcc) = ReadClip(avi);
        Assert.Equal((15 + 10, FourCC.MJPG), (frames, fourcc));

        // Whoever overwrites the blob, the hash of record tells; and the store itself never overwrites.
        var name = BlobEvidenceStore.NameOf(store.Container, snapshot)!;
        var altered = jpeg.ToArray();
        altered[^10] ^= 0xFF;
        await store.Container.GetBlobClient(name).UploadAsync(BinaryData.FromBytes(altered), overwrite: true, ct);
        var tampered = await Assert.ThrowsAsync<EvidenceTamperedException>(() => BlobEvidenceStore.ReadVerifiedAsync(store.Container, snapshot, ct));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(altered)), tampered.ActualSha256);
        var overwrite = await Assert.ThrowsAsync<RequestFailedException>(() => store.StoreAsync(name, "snapshot", "image/jpeg", jpeg, ct));
        Assert.Equal(409, overwrite.Status);
    }

    private static (int Frames, int FourCc) ReadClip(byte[] avi)
    {
        var path = Path.Combine(Path.GetTempPath(), $"clip-{Guid.NewGuid():N}.avi");
        File.WriteAllBytes(path, avi);
        try
        {
            using var capture = new VideoCapture(path);
            using var frame = new Mat();
            var frames = 0;
            while (capture.Read(frame) && !frame.Empty())
            {
                frames++;
            }

            return (frames, (int)capture.Get(VideoCaptureProperties.FourCC));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
