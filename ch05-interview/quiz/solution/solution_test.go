package solution_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch05-interview/quiz/quiztest"
	"github.com/grpclabs/labs/ch05-interview/quiz/solution"
)

func TestMain(m *testing.M) {
	// Cleanup removes the program the suite builds for the questions that crash.
	goleak.VerifyTestMain(m, goleak.Cleanup(quiztest.Cleanup))
}

func TestSlices(t *testing.T)   { quiztest.TestSlices(t, solution.Answers) }
func TestMaps(t *testing.T)     { quiztest.TestMaps(t, solution.Answers) }
func TestDefer(t *testing.T)    { quiztest.TestDefer(t, solution.Answers) }
func TestNil(t *testing.T)      { quiztest.TestNil(t, solution.Answers) }
func TestLoops(t *testing.T)    { quiztest.TestLoops(t, solution.Answers) }
func TestChannels(t *testing.T) { quiztest.TestChannels(t, solution.Answers) }
