using CityControl.Rules;
using CityControl.ServiceDefaults;

namespace CityControl.Web.Ingest;

/// <summary>
/// Stops last (it is registered before the silo, and hosts stop their services in reverse order): once the web server
/// has drained its requests and the silo has deactivated its grains, it records a clean stop in the journal, so that
/// the next start replays nothing already saved. It records none when the stop ran out of time, a grain still holds
/// or lost changes it did not save, or a journaled batch did not reach its device: then the next start replays the
/// journal's tail.
/// </summary>
public sealed partial class JournalCleanStopService(
    IServiceProvider services,
    ILogger<JournalCleanStopService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var journal = services.GetRequiredService<IIngestJournal>();
        var replay = services.GetRequiredService<JournalReplayService>();
        var ingest = services.GetRequiredService<IngestService>();
        if (!journal.IsDurable || !replay.Completed)
        {
            return;
        }

        var notSaved = services.GetServices<UnsavedStateProbe>().Sum(p => p.Count());
        if (cancellationToken.IsCancellationRequested || notSaved > 0 || ingest.DeliveryFailures > 0)
        {
            LogNotClean(cancellationToken.IsCancellationRequested, notSaved, ingest.DeliveryFailures);
            return;
        }

        var through = services.GetRequiredService<CityClock>().UtcNow;
        try
        {
            await journal.MarkCleanStopAsync(through, cancellationToken);
            LogClean(through);
        }
        catch (Exception ex)
        {
            LogMarkFailed(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Clean stop recorded in the ingest journal at {Through:O}: the next start replays nothing before it")]
    private partial void LogClean(DateTimeOffset through);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not a clean stop (out of time: {OutOfTime}): {NotSaved} grains hold or lost changes they did not save and {Failed} journaled deliveries failed; the next start replays the journal's tail")]
    private partial void LogNotClean(bool outOfTime, int notSaved, int failed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The clean stop could not be recorded (storage unreachable?); the next start replays the journal's tail")]
    private partial void LogMarkFailed(Exception ex);
}
