package exercise_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch05-interview/quiz/exercise"
	"github.com/grpclabs/labs/ch05-interview/quiz/quiztest"
)

func TestMain(m *testing.M) {
	// Cleanup removes the program the suite builds for the questions that crash.
	goleak.VerifyTestMain(m, goleak.Cleanup(quiztest.Cleanup))
}

func TestSlices(t *testing.T)   { quiztest.TestSlices(t, exercise.Answers) }
func TestMaps(t *testing.T)     { quiztest.TestMaps(t, exercise.Answers) }
func TestDefer(t *testing.T)    { quiztest.TestDefer(t, exercise.Answers) }
func TestNil(t *testing.T)      { quiztest.TestNil(t, exercise.Answers) }
func TestLoops(t *testing.T)    { quiztest.TestLoops(t, exercise.Answers) }
func TestChannels(t *testing.T) { quiztest.TestChannels(t, exercise.Answers) }
