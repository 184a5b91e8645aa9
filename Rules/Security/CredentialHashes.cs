using System.Security.Cryptography;
using System.Text;
using CityControl.Devices;

namespace CityControl.Rules.Security;

/// <summary>
/// Ingest secrets are 256 random bits, so a single SHA-256 is enough to store them (no password stretching needed):
/// only the hash is kept, and the secret is shown once.
/// </summary>
public static class CredentialHashes
{
    public static string NewSecret() =>
        Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
