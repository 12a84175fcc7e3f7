namespace Comb.Image.Registry;

/// <summary>Credentials from a named Docker credential helper (<c>docker-credential-NAME</c>), for callers that store only the helper's name.</summary>
public static class CredentialHelpers
{
    /// <summary>Null when the helper is not installed or does not know <paramref name="serverUrl"/>.</summary>
    public static Task<RegistryCredentials?> GetAsync(string helper, string serverUrl, CancellationToken cancellationToken) =>
        new CredentialHelper(helper, Environment.GetEnvironmentVariable).GetAsync(serverUrl, cancellationToken);

    /// <summary>A helper name is a word of letters, digits, '-', '_' and '.': it becomes part of an executable's name.</summary>
    public static bool IsValidName(string helper) =>
        helper.Length is > 0 and <= 64 && helper.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') && helper[0] != '.';
}
