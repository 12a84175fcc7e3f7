namespace Comb.Contracts;

/// <summary>An error caused by the user's input (bad reference, corrupt image, auth failure): exit code 2, no stack trace.</summary>
public class CombInputException : Exception
{
    public CombInputException(string message) : base(message) { }
    public CombInputException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>Process exit codes shared by every command.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int PolicyFailed = 1;
    public const int InputError = 2;
    public const int InternalError = 3;
}
