using System.Runtime.InteropServices;

namespace CityControl.Video.Live;

/// <summary>The fault drill of <see cref="PipelineOptions.CrashDrillSource"/>: the process dies of SIGSEGV, as it would of a native decoder's fault.</summary>
internal static class NativeFault
{
    private const int SigSegv = 11;

    public static void DrillIfAsked(string? marker, string address)
    {
        if (!string.IsNullOrEmpty(marker) && address.Contains(marker, StringComparison.Ordinal))
        {
            Console.Error.WriteLine($"fault drill: crashing on source {address}");
            Console.Error.Flush();
            // The runtime handles SIGSEGV itself (and ignores one it did not cause): back to the default, which ends the process.
            _ = Signal(SigSegv, IntPtr.Zero);
            var raised = Raise(SigSegv);

            // Should the signal be caught, the process still ends as a crash would end it.
            Environment.FailFast($"fault drill: crashing on source {address} (raise returned {raised})");
        }
    }

    [DllImport("libc", EntryPoint = "signal")]
    private static extern IntPtr Signal(int signal, IntPtr handler);

    [DllImport("libc", EntryPoint = "raise")]
    private static extern int Raise(int signal);
}
