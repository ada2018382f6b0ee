"""SCG analysis: beats, heart rate, quality, HRV, breathing and the average beat — pure NumPy/SciPy.

`analyze_recording(t_ms, accel_ms2)` analyses a stored recording; `LiveAnalyzer` does it incrementally for a
live session. Inputs are timestamps in ms and acceleration including gravity in m/s² (n, 3).
"""

from openscg.analysis.live import LiveAnalyzer
from openscg.analysis.scg_process import analyze_recording

__all__ = ["LiveAnalyzer", "analyze_recording"]
