// The echo protocol of the demo: ping calls echo with ECHO_WORDS words,
// echo answers with their transformation; ECHO_DONE ends the service.
#pragma once

#include <stdint.h>

#define ECHO_CALL 1
#define ECHO_DONE 2
#define ECHO_WORDS 8    // MR0..MR7: four in registers, four in the IPC buffer
#define ECHO_BADGE 0x77 // the badge of ping's endpoint capability
#define PING_ROUNDS 1000

// What echo answers for word i of a call.
static inline uint32_t echo_transform(uint32_t w, uint32_t i)
{
	return ~w + i * 0x9e3779b9u;
}
