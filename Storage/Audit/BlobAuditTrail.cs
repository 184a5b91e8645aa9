using System.Text;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;

namespace CityControl.Storage.Audit;

/// <summary>
/// The audit trail in Azure append blobs, <c>{day}/{writer}.jsonl</c>: blocks can only be added to an append blob,
/// never changed, and this class only ever appends. A new process is a new writer (its own file), so no two processes
/// append to one chain.
/// </summary>
public sealed class BlobAuditTrail(BlobServiceClient service, string containerName, TimeProvider time) : IAuditTrail, IDisposable
{
    private readonly BlobContainerClient _container = service.GetBlobContainerClient(containerName);
    private readonly string _writer = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _created;
    private DateOnly _day;
    private AppendBlobClient? _blob;
    private string _previous = AuditChain.Genesis;

    public async Task AppendAsync(JsonObject record, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            var day = DateOnly.FromDateTime(now.UtcDateTime);
            if (_blob is null || day != _day)
            {
                if (!_created)
                {
                    await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
                    _created = true;
                }

                var blob = _container.GetAppendBlobClient($"{day:yyyy-MM-dd}/{_writer}.jsonl");
                await blob.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
                (_blob, _day, _previous) = (blob, day, AuditChain.Genesis);
            }

            var line = AuditChain.Line(record, _previous, now);
            using var content = new MemoryStream(Encoding.UTF8.GetBytes(line + "\n"));
            await _blob.AppendBlockAsync(content, cancellationToken: cancellationToken);
            _previous = AuditChain.HashOf(line);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    public async Task<AuditRead> ReadAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var records = new List<JsonObject>();
        var broken = new List<string>();
        if (!await _container.ExistsAsync(cancellationToken))
        {
            return new AuditRead(records, broken);
        }

        for (var day = from; day <= to; day = day.AddDays(1))
        {
            await foreach (var item in _container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, $"{day:yyyy-MM-dd}/", cancellationToken))
            {
                var text = (await _container.GetBlobClient(item.Name).DownloadContentAsync(cancellationToken)).Value.Content.ToString();
                records.AddRange(AuditChain.Read(text, out var intact));
                if (!intact)
                {
                    broken.Add(item.Name);
                }
            }
        }

        return new AuditRead(records, broken);
    }
}

/// <summary>The audit trail in this process's memory, for memory storage (tests and benchmarks of one process).</summary>
public sealed class MemoryAuditTrail(TimeProvider time) : IAuditTrail
{
    private readonly Lock _gate = new();
    private readonly Dictionary<DateOnly, StringBuilder> _days = [];
    private readonly Dictionary<DateOnly, string> _previous = [];

    public Task AppendAsync(JsonObject record, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var day = DateOnly.FromDateTime(now.UtcDateTime);
        lock (_gate)
        {
            var line = AuditChain.Line(record, _previous.GetValueOrDefault(day, AuditChain.Genesis), now);
            (_days.TryGetValue(day, out var file) ? file : _days[day] = new StringBuilder()).Append(line).Append('\n');
            _previous[day] = AuditChain.HashOf(line);
        }

        return Task.CompletedTask;
    }

    public Task<AuditRead> ReadAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var records = new List<JsonObject>();
        var broken = new List<string>();
        lock (_gate)
        {
            foreach (var (day, file) in _days.Where(d => d.Key >= from && d.Key <= to).OrderBy(d => d.Key))
            {
                records.AddRange(AuditChain.Read(file.ToString(), out var intact));
                if (!intact)
                {
                    broken.Add($"{day:yyyy-MM-dd}/memory");
                }
            }
        }

        return Task.FromResult(new AuditRead(records, broken));
    }
}
