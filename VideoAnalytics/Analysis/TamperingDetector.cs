using OpenCvSharp;

namespace CityControl.Video.Analysis;

/// <summary>
/// Watches the picture itself rather than what moves in it: a lens covered (dark or featureless), a view defocused
/// (sharpness far below the camera's own learnt level) or a camera moved (the scene shifted against the reference
/// view). A condition must hold for <see cref="HoldSeconds"/> before it is reported, and the detector re-arms after the
/// picture has been normal for as long again.
/// </summary>
public sealed class TamperingDetector
{
    public const double LearnSeconds = 2;
    public const double HoldSeconds = 1;

    private readonly List<double> _sharpness = [];
    private Mat? _reference;
    private double _baselineSharpness;
    private double _learnStart = double.NaN;
    private double _badSince = double.NaN;
    private double _goodSince = double.NaN;
    private bool _reported;

    /// <summary>Looks at one grey detection frame; returns what is wrong when a tampering is to be reported now.</summary>
    public string? Check(Mat gray, double time)
    {
        Cv2.MeanStdDev(gray, out var mean, out var stdDev);
        using var laplacian = new Mat();
        Cv2.Laplacian(gray, laplacian, MatType.CV_64F);
        Cv2.MeanStdDev(laplacian, out _, out var lapStd);
        var sharpness = lapStd.Val0 * lapStd.Val0;

        if (double.IsNaN(_learnStart))
        {
            _learnStart = time;
        }

        if (time - _learnStart < LearnSeconds)
        {
            _sharpness.Add(sharpness);
            _reference?.Dispose();
            _reference = gray.Clone();
            return null;
        }

        if (_baselineSharpness == 0)
        {
            _baselineSharpness = _sharpness.Order().ElementAt(_sharpness.Count / 2);
        }

        string? problem = null;
        if (mean.Val0 < 20 || stdDev.Val0 < 8)
        {
            problem = "covered";
        }
        else if (sharpness < 0.3 * _baselineSharpness)
        {
            problem = "defocused";
        }
        else if (Shift(gray) is var shift && shift > 0.08 * gray.Width)
        {
            problem = $"moved ({shift:F0} px)";
        }

        if (problem is null)
        {
            _badSince = double.NaN;
            if (double.IsNaN(_goodSince))
            {
                _goodSince = time;
            }

            if (_reported && time - _goodSince >= HoldSeconds)
            {
                _reported = false;
            }

            // The reference follows slow changes of a healthy view (light through the day).
            _baselineSharpness = 0.98 * _baselineSharpness + 0.02 * sharpness;
            return null;
        }

        _goodSince = double.NaN;
        if (double.IsNaN(_badSince))
        {
            _badSince = time;
        }

        if (!_reported && time - _badSince >= HoldSeconds)
        {
            _reported = true;
            return problem;
        }

        return null;
    }

    private double Shift(Mat gray)
    {
        if (_reference is null)
        {
            return 0;
        }

        using var a = new Mat();
        using var b = new Mat();
        _reference.ConvertTo(a, MatType.CV_64F);
        gray.ConvertTo(b, MatType.CV_64F);
        using var window = new Mat();
        Cv2.CreateHanningWindow(window, a.Size(), MatType.CV_64F);
        var shift = Cv2.PhaseCorrelate(a, b, window, out var response);
        return response < 0.02 ? 0 : Math.Sqrt(shift.X * shift.X + shift.Y * shift.Y);
    }
}
