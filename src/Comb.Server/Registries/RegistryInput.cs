using System.Text.RegularExpressions;
using Comb.Image.Registry;

namespace Comb.Server.Registries;

/// <summary>
/// The body of POST and PATCH /api/v1/registries: settings and the sign-in. The password or token goes in and never
/// comes back out. On PATCH an absent member keeps its value; any sign-in member replaces the whole sign-in.
/// </summary>
public sealed partial record RegistryInput
{
    public string? Name { get; init; }

    /// <summary>http(s)://host[:port] of the registry's API.</summary>
    public string? Url { get; init; }

    /// <summary>Accept a self-signed certificate (plain-HTTP URLs need no flag).</summary>
    public bool? Insecure { get; init; }

    /// <summary>none, basic, token or credential-helper; inferred from the members given when absent.</summary>
    public string? Auth { get; init; }

    public string? Username { get; init; }

    public string? Password { get; init; }

    /// <summary>A bearer token sent as is.</summary>
    public string? Token { get; init; }

    /// <summary>A Docker credential helper's name (docker-credential-NAME on the server's PATH).</summary>
    public string? CredentialHelper { get; init; }

    public IReadOnlyList<string>? Repositories { get; init; }

    public IReadOnlyList<string>? Tags { get; init; }

    public int? LastTags { get; init; }

    public IReadOnlyList<string>? SkipTags { get; init; }

    /// <summary>A cron expression (UTC); an empty string removes the schedule.</summary>
    public string? Schedule { get; init; }

    private bool TouchesSignIn => Auth is not null || Username is not null || Password is not null || Token is not null || CredentialHelper is not null;

    private bool TouchesFilters => Repositories is not null || Tags is not null || LastTags is not null || SkipTags is not null;

    /// <summary>A new registry from this input, or the error.</summary>
    public (RegistryRecord? Record, string? Error) ToNew(DateTimeOffset now, string actor)
    {
        if (Name is null || !NamePattern().IsMatch(Name))
        {
            return (null, "\"name\" is required: 1-64 characters, lower-case letters, digits, '.', '_' and '-', starting with a letter or digit");
        }

        var record = new RegistryRecord { Name = Name, Url = "", CreatedAt = now };
        return Apply(record, now, actor, isNew: true);
    }

    /// <summary>The stored registry changed by this input, or the error.</summary>
    public (RegistryRecord? Record, string? Error) ApplyTo(RegistryRecord existing, DateTimeOffset now, string actor) =>
        Name is not null && Name != existing.Name ? (null, "a registry cannot be renamed: delete it and add it again") : Apply(existing, now, actor, isNew: false);

    private (RegistryRecord? Record, string? Error) Apply(RegistryRecord record, DateTimeOffset now, string actor, bool isNew)
    {
        if (isNew || Url is not null)
        {
            if (CheckUrl(Url) is { } urlError)
            {
                return (null, urlError);
            }

            record = record with { Url = new Uri(Url!).GetLeftPart(UriPartial.Authority) };
        }

        if (Insecure is { } insecure)
        {
            record = record with { Insecure = insecure };
        }

        if (isNew || TouchesSignIn)
        {
            var (auth, error) = SignIn();
            if (error is not null)
            {
                return (null, error);
            }

            record = record with { Auth = auth!, Username = auth == RegistryAuthKinds.Basic ? Username : null, Secret = auth switch
            {
                RegistryAuthKinds.Basic => Password,
                RegistryAuthKinds.Token => Token,
                _ => null,
            }, CredentialHelper = auth == RegistryAuthKinds.CredentialHelper ? CredentialHelper : null };
        }

        if (TouchesFilters)
        {
            var filters = new RegistryFilters
            {
                Repositories = Repositories ?? record.Filters.Repositories,
                Tags = Tags ?? record.Filters.Tags,
                LastTags = LastTags ?? record.Filters.LastTags,
                SkipTags = SkipTags ?? record.Filters.SkipTags,
            };
            if (RegistryFilter.Validate(filters) is { } filterError)
            {
                return (null, filterError);
            }

            record = record with { Filters = filters };
        }

        if (Schedule is not null)
        {
            if (Schedule.Trim().Length == 0)
            {
                record = record with { Schedule = null, NextRunAt = null };
            }
            else
            {
                if (RegistrySchedule.Parse(Schedule).Error is { } scheduleError)
                {
                    return (null, scheduleError);
                }

                record = record with { Schedule = Schedule.Trim(), NextRunAt = RegistrySchedule.Next(Schedule, now) };
            }
        }

        return (record with { UpdatedAt = now, UpdatedBy = actor }, null);
    }

    private (string? Auth, string? Error) SignIn()
    {
        var auth = Auth ?? (CredentialHelper is not null ? RegistryAuthKinds.CredentialHelper
            : Token is not null ? RegistryAuthKinds.Token
            : Username is not null || Password is not null ? RegistryAuthKinds.Basic
            : RegistryAuthKinds.None);
        return auth switch
        {
            RegistryAuthKinds.None when Username is null && Password is null && Token is null && CredentialHelper is null => (auth, null),
            RegistryAuthKinds.None => (null, "auth \"none\" takes no username, password, token or credential helper"),
            RegistryAuthKinds.Basic when string.IsNullOrEmpty(Username) || Password is null => (null, "basic sign-in needs both \"username\" and \"password\""),
            RegistryAuthKinds.Basic when Token is not null || CredentialHelper is not null => (null, "give one sign-in: username and password, a token, or a credential helper"),
            RegistryAuthKinds.Basic => (auth, null),
            RegistryAuthKinds.Token when string.IsNullOrEmpty(Token) => (null, "token sign-in needs \"token\""),
            RegistryAuthKinds.Token when Username is not null || Password is not null || CredentialHelper is not null => (null, "give one sign-in: username and password, a token, or a credential helper"),
            RegistryAuthKinds.Token => (auth, null),
            RegistryAuthKinds.CredentialHelper when CredentialHelper is null || !CredentialHelpers.IsValidName(CredentialHelper) =>
                (null, "\"credentialHelper\" must name a helper: letters, digits, '-', '_' and '.' (docker-credential-NAME)"),
            RegistryAuthKinds.CredentialHelper when Username is not null || Password is not null || Token is not null => (null, "give one sign-in: username and password, a token, or a credential helper"),
            RegistryAuthKinds.CredentialHelper => (auth, null),
            _ => (null, $"unknown auth '{auth}': use {string.Join(", ", RegistryAuthKinds.All)}"),
        };
    }

    private static string? CheckUrl(string? url)
    {
        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return $"\"url\" must be an http(s)://host[:port] URL, not '{url}'";
        }

        if (!string.IsNullOrEmpty(uri.UserInfo) || uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            return $"\"url\" must be the registry's root (http(s)://host[:port]) without credentials, path or query, not '{url}'";
        }

        return null;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
