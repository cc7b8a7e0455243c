package placement

// Level is an anchor's view of one service node's service level: a score
// that starts at 1, with the counts behind it. Evidence of a wrong result
// multiplies the score by LevelEvidenceFactor, an SLA strike takes
// LevelStrike, each clean sample round gives back LevelRecover; below
// LevelExclude the node is given no instances, and it earns its way back on
// probation (LevelProbation each sample interval while it stays up).
type Level struct {
	Score      float64 `json:"score"`
	Samples    int     `json:"samples"`
	Mismatches int     `json:"mismatches"`
	Strikes    int     `json:"strikes"`
	Evidence   int     `json:"evidence"`
}

// The service-level rules.
const (
	LevelEvidenceFactor = 0.4
	LevelStrike         = 0.05
	LevelRecover        = 0.01
	LevelExclude        = 0.5
	// LevelProbation: from one piece of evidence (1 -> 0.4) a node is
	// placed again after 100 intervals (50 minutes at the default 30 s) and
	// sampled again; a repeat offender waits longer each time.
	LevelProbation = 0.001
)

// NewLevel is a node's level before anything is known of it.
func NewLevel() Level { return Level{Score: 1} }

// Excluded reports whether the level keeps the node from holding instances.
func (l Level) Excluded() bool { return l.Score < LevelExclude }

func (l Level) with(score float64) Level {
	l.Score = min(1, max(0, score))
	return l
}

// Strike: an anchor had to make a call the node, as executor, could not.
func (l Level) Strike() Level {
	l.Strikes++
	return l.with(l.Score - LevelStrike)
}

// WithEvidence: one piece of evidence of a wrong result.
func (l Level) WithEvidence() Level {
	l.Evidence++
	return l.with(l.Score * LevelEvidenceFactor)
}

// Sampled counts one replayed sample.
func (l Level) Sampled() Level { l.Samples++; return l }

// Mismatched counts one sample whose replay diverged twice alike.
func (l Level) Mismatched() Level { l.Mismatches++; return l }

// Clean: a sample round with no mismatch earns back LevelRecover.
func (l Level) Clean() Level { return l.with(l.Score + LevelRecover) }

// Probation gives an excluded node back a little; it reports whether the
// node is placed again.
func (l Level) Probation() (Level, bool) {
	if !l.Excluded() {
		return l, false
	}
	l = l.with(l.Score + LevelProbation)
	return l, !l.Excluded()
}
