using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using CityControl.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace CityControl.Web.Ingest;

/// <summary>
/// The ingest journal on Azure append blobs. Concurrent requests are group-committed: one writer takes every batch
/// waiting, appends them as one block, and only then releases their 202s. A segment is rolled over every five
/// minutes, at 64 MiB, and before it nears the append blob's block limit, so that replaying the tail reads little.
/// When storage cannot be reached the journal fails within seconds (few, short retries), and for
/// <see cref="IngestOptions.OutageRetryAfter"/> after a failure it refuses at once: the client is told when to retry
/// instead of holding a connection open against storage that is down.
/// </summary>
public sealed partial class BlobIngestJournal : IIngestJournal, IAsyncDisposable
{
    public const string ContainerName = "ingest-journal";
    private const string CleanStopSuffix = ".clean-stop";
    private const int MaxBlockBytes = 4 * 1024 * 1024;
    private const int MaxBlocksPerSegment = 45_000;
    private const long MaxSegmentBytes = 64L * 1024 * 1024;
    private static readonly TimeSpan SegmentSpan = TimeSpan.FromMinutes(5);

    private readonly BlobContainerClient _container;
    private readonly string _prefix;
    private readonly string _journalName;
    private readonly string _cleanStopName;
    private readonly TimeProvider _time;
    private readonly TimeSpan _retryAfter;
    private readonly ILogger<BlobIngestJournal> _logger;
    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(10_000) { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _writer;
    private AppendBlobClient? _segment;
    private DateTimeOffset _segmentStarted;
    private int _segmentBlocks;
    private long _segmentBytes;
    private long _refuseUntilTicks;

    public BlobIngestJournal(IOptions<StorageOptions> storage, IOptions<IngestOptions> options, TimeProvider time, ILogger<BlobIngestJournal> logger)
    {
        _container = OpenContainer(storage.Value, options.Value.JournalWriteTimeout);
        _prefix = options.Value.JournalName + "/";
        _journalName = options.Value.JournalName;
        _cleanStopName = _journalName + CleanStopSuffix;
        _retryAfter = options.Value.OutageRetryAfter;
        _time = time;
        _logger = logger;
        _writer = Task.Run(WriteLoop);
    }

    /// <summary>The journals' container, with few, short retries: when storage is away, callers learn it within seconds.</summary>
    public static BlobContainerClient OpenContainer(StorageOptions storage, TimeSpan networkTimeout)
    {
        var clientOptions = new BlobClientOptions();
        clientOptions.Retry.MaxRetries = 2;
        clientOptions.Retry.Delay = TimeSpan.FromMilliseconds(200);
        clientOptions.Retry.NetworkTimeout = networkTimeout;
        return new BlobServiceClient(storage.ConnectionString, clientOptions).GetBlobContainerClient(ContainerName);
    }

    public bool IsDurable => true;

    public async Task AppendAsync(JournalEntry entry, CancellationToken cancellationToken)
    {
        if (_time.GetUtcNow().UtcTicks < Interlocked.Read(ref _refuseUntilTicks))
        {
            throw new JournalUnavailableException("The ingest journal's storage is unreachable; nothing was accepted.", _retryAfter);
        }

        var pending = new Pending(JournalFormat.ToLine(entry));
        await _queue.Writer.WriteAsync(pending, cancellationToken);
        await pending.Done.Task.WaitAsync(cancellationToken);
    }

    public IAsyncEnumerable<JournalEntry> ReadTailAsync(TimeSpan window, CancellationToken cancellationToken) =>
        ReadTailAsync(_container, _prefix, window, cancellationToken);

    /// <summary>The tail of any journal in the container (this front end's, or a dead one's it takes over).</summary>
    public static async IAsyncEnumerable<JournalEntry> ReadTailAsync(BlobContainerClient container, string prefix, TimeSpan window, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        var names = new List<string>();
        await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken))
        {
            names.Add(blob.Name);
        }

        names.Sort(StringComparer.Ordinal);

        // Walk back from the newest segment until one ends before the window: older segments are all checkpointed.
        var segments = new List<List<JournalEntry>>();
        DateTimeOffset? newest = null;
        for (var i = names.Count - 1; i >= 0; i--)
        {
            var content = await container.GetBlobClient(names[i]).DownloadContentAsync(cancellationToken);
            var entries = JournalFormat.Parse(content.Value.Content.ToArray()).ToList();
            if (entries.Count == 0)
            {
                continue;
            }

            newest ??= entries.Max(e => e.ReceivedAt);
            segments.Add(entries);
            if (entries.Max(e => e.ReceivedAt) < newest - window)
            {
                break;
            }
        }

        for (var i = segments.Count - 1; i >= 0; i--)
        {
            foreach (var entry in segments[i].Where(e => e.ReceivedAt >= newest - window))
            {
                yield return entry;
            }
        }
    }

    /// <summary>The last clean stop recorded by the writer of journal <paramref name="journalName"/>, if any.</summary>
    public static async Task<DateTimeOffset?> ReadCleanStopAsync(BlobContainerClient container, string journalName, CancellationToken cancellationToken)
    {
        try
        {
            var content = await container.GetBlobClient(journalName + CleanStopSuffix).DownloadContentAsync(cancellationToken);
            return DateTimeOffset.Parse(content.Value.Content.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public async Task MarkCleanStopAsync(DateTimeOffset through, CancellationToken cancellationToken)
    {
        await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await _container.GetBlobClient(_cleanStopName).UploadAsync(BinaryData.FromString(through.ToString("O", CultureInfo.InvariantCulture)), overwrite: true, cancellationToken);
    }

    public Task<DateTimeOffset?> ReadCleanStopAsync(CancellationToken cancellationToken) =>
        ReadCleanStopAsync(_container, _journalName, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        try
        {
            await _writer.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            await _stopping.CancelAsync();
        }

        _stopping.Dispose();
    }

    private async Task WriteLoop()
    {
        var group = new List<Pending>();
        while (await _queue.Reader.WaitToReadAsync())
        {
            group.Clear();
            var bytes = 0;
            while (bytes < MaxBlockBytes && _queue.Reader.TryPeek(out var next)
                && (group.Count == 0 || bytes + next.Line.Length <= MaxBlockBytes)
                && _queue.Reader.TryRead(out next))
            {
                group.Add(next);
                bytes += next.Line.Length;
            }

            try
            {
                await AppendGroup(group, bytes);
                foreach (var p in group)
                {
                    p.Done.TrySetResult();
                }
            }
            catch (Exception ex)
            {
                LogAppendFailed(ex, group.Count);
                _segment = null;
                Interlocked.Exchange(ref _refuseUntilTicks, (_time.GetUtcNow() + _retryAfter).UtcTicks);
                foreach (var p in group)
                {
                    p.Done.TrySetException(new JournalUnavailableException("The ingest journal could not store the batch; nothing was accepted.", _retryAfter, ex));
                }
            }
        }
    }

    private async Task AppendGroup(List<Pending> group, int bytes)
    {
        var segment = await CurrentSegment();
        var block = new byte[bytes];
        var offset = 0;
        foreach (var p in group)
        {
            p.Line.CopyTo(block, offset);
            offset += p.Line.Length;
        }

        using var stream = new MemoryStream(block, writable: false);
        await segment.AppendBlockAsync(stream, cancellationToken: _stopping.Token);
        _segmentBlocks++;
        _segmentBytes += bytes;
    }

    private async Task<AppendBlobClient> CurrentSegment()
    {
        var now = _time.GetUtcNow();
        if (_segment is null || now - _segmentStarted >= SegmentSpan || _segmentBlocks >= MaxBlocksPerSegment || _segmentBytes >= MaxSegmentBytes)
        {
            await _container.CreateIfNotExistsAsync(cancellationToken: _stopping.Token);
            var name = $"{_prefix}{now:yyyyMMdd'T'HHmmss'.'fffffff}-{Guid.NewGuid():N}.ndjson";
            var segment = _container.GetAppendBlobClient(name);
            await segment.CreateIfNotExistsAsync(cancellationToken: _stopping.Token);
            _segment = segment;
            _segmentStarted = now;
            _segmentBlocks = 0;
            _segmentBytes = 0;
            LogNewSegment(name);
        }

        return _segment;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Appending {Count} batches to the ingest journal failed")]
    private partial void LogAppendFailed(Exception ex, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingest journal segment {Segment} started")]
    private partial void LogNewSegment(string segment);

    private sealed record Pending(byte[] Line)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>The journal could not make a batch durable; nothing of it was accepted. The client may retry after <see cref="RetryAfter"/>.</summary>
public sealed class JournalUnavailableException : Exception
{
    public JournalUnavailableException()
    {
    }

    public JournalUnavailableException(string message)
        : base(message)
    {
    }

    public JournalUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public JournalUnavailableException(string message, TimeSpan retryAfter, Exception? innerException = null)
        : base(message, innerException)
    {
        RetryAfter = retryAfter;
    }

    public TimeSpan RetryAfter { get; } = TimeSpan.FromSeconds(5);
}
