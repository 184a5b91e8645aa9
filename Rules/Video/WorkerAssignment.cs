namespace CityControl.Rules.Video;

/// <summary>
/// Which video worker runs which camera: rendezvous (highest-random-weight) hashing, so every partition and every host
/// agrees without talking, each camera has one owner, and when a worker joins or leaves only the cameras it gains or
/// loses move.
/// </summary>
public static class WorkerAssignment
{
    public static string? OwnerOf(string cameraId, IEnumerable<string> workers)
    {
        string? owner = null;
        var best = 0UL;
        foreach (var worker in workers)
        {
            var weight = Weight(worker, cameraId);
            if (owner is null || weight > best || (weight == best && string.CompareOrdinal(worker, owner) < 0))
            {
                owner = worker;
                best = weight;
            }
        }

        return owner;
    }

    /// <summary>Every worker's cameras (a worker with none is listed with none).</summary>
    public static Dictionary<string, List<string>> Assign(IEnumerable<string> cameraIds, IReadOnlyCollection<string> workers)
    {
        var assigned = workers.ToDictionary(w => w, _ => new List<string>(), StringComparer.Ordinal);
        foreach (var camera in cameraIds)
        {
            if (OwnerOf(camera, workers) is { } owner)
            {
                assigned[owner].Add(camera);
            }
        }

        return assigned;
    }

    /// <summary>FNV-1a over the pair, finished with a 64-bit mixer so close names spread well.</summary>
    private static ulong Weight(string worker, string camera)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in worker)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        hash = (hash ^ '\n') * 1099511628211UL;
        foreach (var c in camera)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        hash *= 0xc4ceb3fe1a85ec53UL;
        return hash ^ (hash >> 33);
    }
}
