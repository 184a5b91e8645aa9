namespace CityControl.Web.Ingest;

/// <summary>The durable record of accepted telemetry: what a 202 promises is in here before the 202 is sent.</summary>
public interface IIngestJournal
{
    bool IsDurable { get; }

    /// <summary>Completes once the entry is durable; throws if it could not be made durable.</summary>
    Task AppendAsync(JournalEntry entry, CancellationToken cancellationToken);

    /// <summary>Entries received at or after <paramref name="from"/>, and no earlier than the window before the newest entry, in journal order.</summary>
    IAsyncEnumerable<JournalEntry> ReadTailAsync(TimeSpan window, CancellationToken cancellationToken);

    /// <summary>
    /// Records a clean stop: every entry received up to <paramref name="through"/> reached its device and is in the
    /// device's saved state, so the next start need not replay it.
    /// </summary>
    Task MarkCleanStopAsync(DateTimeOffset through, CancellationToken cancellationToken);

    /// <summary>The time of the last clean stop of this journal's writer, if it ever stopped cleanly.</summary>
    Task<DateTimeOffset?> ReadCleanStopAsync(CancellationToken cancellationToken);
}

/// <summary>The journal of a memory-only run: nothing is durable, nothing is replayed.</summary>
public sealed class NoIngestJournal : IIngestJournal
{
    public bool IsDurable => false;

    public Task AppendAsync(JournalEntry entry, CancellationToken cancellationToken) => Task.CompletedTask;

    public IAsyncEnumerable<JournalEntry> ReadTailAsync(TimeSpan window, CancellationToken cancellationToken) =>
        AsyncEnumerable.Empty<JournalEntry>();

    public Task MarkCleanStopAsync(DateTimeOffset through, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<DateTimeOffset?> ReadCleanStopAsync(CancellationToken cancellationToken) => Task.FromResult<DateTimeOffset?>(null);
}
