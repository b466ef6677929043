package io.runtimedetector.engine;

import io.runtimedetector.FilterReason;
import io.runtimedetector.event.ProcessInfo;
import org.apache.pekko.actor.typed.ActorRef;

/** A parent's answer to its forked child, whichever hosts the parent: the child's actor waits for it. */
record ForkReplyTo(ActorRef<ProcessCommand> child) implements ProcessLifecycle.ForkReply {
    @Override
    public void image(ProcessInfo parentImage, boolean requested) {
        child.tell(new ProcessCommand.ParentImage(parentImage, requested));
    }

    @Override
    public void dropped(FilterReason reason) {
        child.tell(new ProcessCommand.ParentDropped(reason));
    }
}
