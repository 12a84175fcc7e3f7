namespace Comb.Contracts;

/// <summary>What kind of problem an input error is, so a host can answer it well (an exit code, an HTTP status).</summary>
public enum CombErrorKind
{
    /// <summary>Input data that is malformed, corrupt or unsupported (the default).</summary>
    BadInput,

    /// <summary>An image reference, digest or similar name that cannot be parsed.</summary>
    BadReference,

    /// <summary>A file, directory, image, repository or record that does not exist.</summary>
    NotFound,

    /// <summary>Credentials missing or refused (by a registry or token server).</summary>
    Unauthorized,

    /// <summary>A registry or download server that failed, could not be reached, or kept rate limiting.</summary>
    UpstreamFailure,

    /// <summary>Something larger or deeper than a configured or built-in limit.</summary>
    LimitExceeded,
}

/// <summary>An error caused by the user's input (bad reference, corrupt image, auth failure): exit code 2, no stack trace.</summary>
public class CombInputException : Exception
{
    public CombInputException(string message, CombErrorKind kind = CombErrorKind.BadInput) : base(message) => Kind = kind;

    public CombInputException(string message, Exception inner, CombErrorKind kind = CombErrorKind.BadInput) : base(message, inner) => Kind = kind;

    public CombErrorKind Kind { get; protected init; }
}

/// <summary>Process exit codes shared by every command.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int PolicyFailed = 1;
    public const int InputError = 2;
    public const int InternalError = 3;

    /// <summary>Cancelled by Ctrl-C (SIGINT): 128 + the signal number, as shells report it.</summary>
    public const int Interrupted = 130;

    /// <summary>Cancelled by SIGTERM.</summary>
    public const int Terminated = 143;
}

/// <summary>How a host maps error kinds; one table, documented in docs/errors.md.</summary>
public static class CombErrorKinds
{
    /// <summary>
    /// The CLI's exit code: every kind is an input error (2), as it always was, so scripts that test for 2 keep
    /// working; "internal error" (3) stays for bugs. The kind itself is named in the error line.
    /// </summary>
    public static int ExitCode(CombErrorKind kind) => Enum.IsDefined(kind) ? ExitCodes.InputError : ExitCodes.InternalError;

    /// <summary>The HTTP status a server answers for an error of this kind.</summary>
    public static int HttpStatus(CombErrorKind kind) => kind switch
    {
        CombErrorKind.BadInput => 422,
        CombErrorKind.BadReference => 400,
        CombErrorKind.NotFound => 404,
        CombErrorKind.Unauthorized => 401,
        CombErrorKind.UpstreamFailure => 502,
        CombErrorKind.LimitExceeded => 413,
        _ => 500,
    };

    /// <summary>A stable name for the kind in machine-readable output (JSON error bodies, logs).</summary>
    public static string Name(CombErrorKind kind) => kind switch
    {
        CombErrorKind.BadInput => "bad-input",
        CombErrorKind.BadReference => "bad-reference",
        CombErrorKind.NotFound => "not-found",
        CombErrorKind.Unauthorized => "unauthorized",
        CombErrorKind.UpstreamFailure => "upstream-failure",
        CombErrorKind.LimitExceeded => "limit-exceeded",
        _ => "error",
    };
}
